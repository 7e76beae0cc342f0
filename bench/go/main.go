// Command syncbench is the Go side of gomm's channel and sync benchmark:
// the workloads of bench/sync_bench.c, written with goroutines, channels
// and package sync. scripts/bench-sync.sh builds it (standard library only)
// and runs it with GOMAXPROCS=2, interleaved with sync_bench's gomm and
// pthread runs.
//
//	syncbench WORKLOAD [-n OPS] [-T SECONDS]
//
// WORKLOAD: pingpong buffered select mutex mutex2 once waitgroup spawn atomic
// (see bench/sync_bench.c for what one op is). As in the C program, the
// helper goroutine is started and one warm-up exchange is made before the
// clock starts; every workload checks its result and exits with status 2
// if it is wrong. -T: exit with status 3 after that many seconds.
//
// Output: one line, the same as sync_bench's,
//
//	sync_bench impl=go workload=W ops=N elapsed_s=S ns_per_op=X cpu_ns_per_op=Y
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	chanCap = 128
	nsel    = 4
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "syncbench: "+format+"\n", args...)
	os.Exit(2)
}

func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		die("getrusage: %v", err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

type timing struct {
	t0, t1 time.Time
	c0, c1 int64
}

func (t *timing) start() {
	t.c0 = cpuNs()
	t.t0 = time.Now()
}

func (t *timing) stop() {
	t.t1 = time.Now()
	t.c1 = cpuNs()
}

// 1. unbuffered ping-pong
func wlPingpong(n int64, t *timing) {
	ping := make(chan int64)
	pong := make(chan int64)
	done := make(chan struct{})
	go func() {
		for i := int64(0); i <= n; i++ {
			v := <-ping
			pong <- v + 1
		}
		close(done)
	}()
	for i := int64(0); i <= n; i++ {
		if i == 1 {
			t.start() // round trip 0 was the warm-up
		}
		ping <- i
		if v := <-pong; v != i+1 {
			die("pingpong: sent %d, got back %d", i, v)
		}
	}
	t.stop()
	<-done
}

// 2. buffered producer -> consumer
func wlBuffered(n int64, t *timing) {
	c := make(chan int64, chanCap)
	go func() {
		for i := int64(0); i <= n; i++ {
			c <- i
		}
	}()
	for i := int64(0); i <= n; i++ {
		if i == 1 {
			t.start() // item 0 was the warm-up
		}
		if v := <-c; v != i {
			die("buffered: expected %d, got %d", i, v)
		}
	}
	t.stop()
}

// 3. select over 4 buffered channels
func wlSelect(n int64, t *timing) {
	var cs [nsel]chan int64
	for k := range cs {
		cs[k] = make(chan int64, chanCap)
	}
	go func() {
		for i := int64(0); i <= n; i++ {
			cs[i%nsel] <- i
		}
	}()
	var next [nsel]int64
	for k := range next {
		next[k] = int64(k)
	}
	for i := int64(0); i <= n; i++ {
		if i == 1 {
			t.start() // item 0 was the warm-up
		}
		var v int64
		var k int
		var ok bool
		select {
		case v, ok = <-cs[0]:
			k = 0
		case v, ok = <-cs[1]:
			k = 1
		case v, ok = <-cs[2]:
			k = 2
		case v, ok = <-cs[3]:
			k = 3
		}
		if !ok || v != next[k] {
			die("select: channel %d: expected %d, got %d (ok %v)", k, next[k], v, ok)
		}
		next[k] += nsel
	}
	t.stop()
}

// 4./5. mutex
var (
	mu      sync.Mutex
	counter int64 // protected by mu
)

func counterIncLocked() {
	mu.Lock()
	counter++
	mu.Unlock()
}

func wlMutex(n int64, t *timing) {
	counter = 0
	t.start()
	for i := int64(0); i < n; i++ {
		counterIncLocked()
	}
	t.stop()
	if counter != n {
		die("mutex: counter %d, expected %d", counter, n)
	}
}

func wlMutex2(n int64, t *timing) {
	per := n / 2
	counter = 0
	var ready, start int32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		atomic.StoreInt32(&ready, 1)
		for atomic.LoadInt32(&start) == 0 {
		}
		for i := int64(0); i < per; i++ {
			counterIncLocked()
		}
	}()
	for atomic.LoadInt32(&ready) == 0 {
		runtime.Gosched()
	}
	t.start()
	atomic.StoreInt32(&start, 1)
	for i := int64(0); i < per; i++ {
		counterIncLocked()
	}
	wg.Wait() // part of the work: the other goroutine's half
	t.stop()
	if counter != 2*per {
		die("mutex2: counter %d, expected %d", counter, 2*per)
	}
}

// 6. once, fast path
var (
	once     sync.Once
	onceRuns int64
)

func onceFn() { onceRuns++ }

func wlOnce(n int64, t *timing) {
	once.Do(onceFn) // the first call
	t.start()
	for i := int64(0); i < n; i++ {
		once.Do(onceFn)
	}
	t.stop()
	if onceRuns != 1 {
		die("once: fn ran %d times", onceRuns)
	}
}

// 7. waitgroup Add(1) + Done
var wgBench sync.WaitGroup

func wlWaitgroup(n int64, t *timing) {
	t.start()
	for i := int64(0); i < n; i++ {
		wgBench.Add(1)
		wgBench.Done()
	}
	wgBench.Wait()
	t.stop()
}

// extra: spawn + join, one at a time
func wlSpawn(n int64, t *timing) {
	var runs int64
	var wg sync.WaitGroup
	for i := int64(0); i <= n; i++ {
		if i == 1 {
			t.start() // goroutine 0 was the warm-up
		}
		wg.Add(1)
		go func() {
			atomic.AddInt64(&runs, 1)
			wg.Done()
		}()
		wg.Wait()
	}
	t.stop()
	if runs != n+1 {
		die("spawn: %d runs, expected %d", runs, n+1)
	}
}

// extra: atomic add
var atomicWord int64

func wlAtomic(n int64, t *timing) {
	var last int64
	t.start()
	for i := int64(0); i < n; i++ {
		last = atomic.AddInt64(&atomicWord, 1)
	}
	t.stop()
	if last != n {
		die("atomic: %d, expected %d", last, n)
	}
}

type workload struct {
	run      func(int64, *timing)
	defaultN int64
}

var workloads = map[string]workload{
	"pingpong":  {wlPingpong, 1000000},
	"buffered":  {wlBuffered, 5000000},
	"select":    {wlSelect, 2000000},
	"mutex":     {wlMutex, 50000000},
	"mutex2":    {wlMutex2, 20000000},
	"once":      {wlOnce, 500000000},
	"waitgroup": {wlWaitgroup, 20000000},
	"spawn":     {wlSpawn, 1000000},
	"atomic":    {wlAtomic, 50000000},
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: syncbench WORKLOAD [-n OPS] [-T SECONDS]\n"+
		"  WORKLOAD: pingpong buffered select mutex mutex2 once waitgroup spawn atomic\n")
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	name := os.Args[1]
	w, found := workloads[name]
	if !found {
		usage()
	}
	fs := flag.NewFlagSet("syncbench", flag.ExitOnError)
	fs.Usage = usage
	n := fs.Int64("n", w.defaultN, "operations to time")
	timeout := fs.Int("T", 0, "exit with status 3 after this many seconds")
	if err := fs.Parse(os.Args[2:]); err != nil || fs.NArg() != 0 || *n <= 0 {
		usage()
	}
	if *timeout > 0 {
		time.AfterFunc(time.Duration(*timeout)*time.Second, func() {
			fmt.Fprintf(os.Stderr, "syncbench: %s: timed out after %d s\n", name, *timeout)
			os.Exit(3)
		})
	}
	ops := *n
	if name == "mutex2" {
		ops &^= 1 // two equal halves
		if ops == 0 {
			usage()
		}
	}
	var t timing
	w.run(ops, &t)
	el := float64(t.t1.Sub(t.t0).Nanoseconds())
	cpu := float64(t.c1 - t.c0)
	fmt.Printf("sync_bench impl=go workload=%s ops=%d elapsed_s=%.4f ns_per_op=%.2f cpu_ns_per_op=%.2f\n",
		name, ops, el/1e9, el/float64(ops), cpu/float64(ops))
}
