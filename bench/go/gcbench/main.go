// Command gcbench is bench/gc_bench.c's two workloads in Go (Go's own
// collector: concurrent tri-color mark-sweep, GOGC as set, default 100),
// for the gc section of docs/BENCHMARKS.md. scripts/bench-gc.sh runs it
// round-robin with gc_bench's gomm, boehm and malloc.
//
//	gcbench trees DEPTH
//	gcbench churn LIVE_MIB TOTAL_MIB
//
// The workloads are gc_bench.c's, object for object: trees builds a
// stretch tree of depth D+1, a long-lived tree of depth D, then for
// d = 4, 6, .., D, 2^(D-d+4) trees of depth d (nodes: two pointers, 16 B);
// churn builds LIVE_MIB of 64 B records in lists of 16 off an array of
// heads, then allocates TOTAL_MIB more, each new record replacing a random
// record (the same xorshift sequence), so check= agrees with gc_bench.
//
// As gc_bench forks a child per run, gcbench re-executes itself (env
// GCBENCH_CHILD=1) and reads the child's rusage from wait4: peak RSS and
// CPU time (user + system, all threads) are the run's own. One line, in
// gc_bench's format:
//
//	gc_bench workload=W impl=go maxrss_mib=R cpu_s=U time_s=T cycles=C
//	         pause_max_ms=M pause_p99_ms=P gc_cpu=F check=K
//
// cycles: runtime.MemStats.NumGC (completed cycles; forced ones: none).
// Pauses: every stop-the-world pause (sweep termination and mark
// termination, each on its own, as gomm counts every stop) from the
// runtime/metrics histogram /gc/pauses:seconds. Its buckets are ~6% wide
// (16 per power of two); p99 is the upper bound of the bucket holding the
// 99th percentile; max is the upper bound of the highest non-empty bucket,
// capped by the largest per-cycle pause total in MemStats.PauseNs when
// every cycle is still in that 256-entry ring (the per-cycle total bounds
// each of its pauses). gc_cpu: MemStats.GCCPUFraction (over GOMAXPROCS x
// process lifetime) as a share of the process's CPU time.
package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"time"
)

// ---------- binary trees ----------

type tnode struct {
	left, right *tnode
}

func bottomUp(depth int) *tnode {
	n := &tnode{}
	if depth > 0 {
		n.left = bottomUp(depth - 1)
		n.right = bottomUp(depth - 1)
	}
	return n
}

func checkTree(n *tnode) int64 {
	if n.left != nil {
		return 1 + checkTree(n.left) + checkTree(n.right)
	}
	return 1
}

func runTrees(maxDepth int) int64 {
	var check int64
	stretch := bottomUp(maxDepth + 1)
	check += checkTree(stretch)
	stretch = nil
	longLived := bottomUp(maxDepth)
	for d := 4; d <= maxDepth; d += 2 {
		iters := int64(1) << (maxDepth - d + 4)
		for i := int64(0); i < iters; i++ {
			t := bottomUp(d)
			check += checkTree(t)
		}
	}
	check += checkTree(longLived)
	runtime.KeepAlive(longLived)
	return check
}

// ---------- long-lived heap plus churn ----------

type rec struct {
	next *rec // list of 16
	key  uint64
	pad  [6]uint64
}

func xorshift(s *uint64) uint64 {
	x := *s
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*s = x
	return x
}

func runChurn(liveMiB, totalMiB int64) int64 {
	const recSize = 64
	nrec := uint64(liveMiB) * 1024 * 1024 / recSize
	nlists := nrec / 16
	heads := make([]*rec, nlists)
	for l := uint64(0); l < nlists; l++ {
		for k := uint64(0); k < 16; k++ {
			r := &rec{key: l*16 + k}
			r.next = heads[l]
			heads[l] = r
		}
	}
	seed := uint64(88172645463325252)
	n := totalMiB * 1024 * 1024 / recSize
	var check int64
	for i := int64(0); i < n; i++ {
		l := xorshift(&seed) % nlists
		pos := uint(xorshift(&seed) % 16)
		fresh := &rec{key: uint64(i)}
		// replace the pos-th record of list l
		pp := &heads[l]
		for k := uint(0); k < pos; k++ {
			pp = &(*pp).next
		}
		old := *pp
		fresh.next = old.next
		*pp = fresh
		check += int64(old.key & 1)
	}
	for l := uint64(0); l < nlists; l++ {
		for r := heads[l]; r != nil; r = r.next {
			check += int64(r.key & 3)
		}
	}
	return check
}

// ---------- pause statistics ----------

// pauseStats returns the max and p99 STW pause in ms.
func pauseStats(ms *runtime.MemStats) (pmax, p99 float64) {
	s := []metrics.Sample{{Name: "/gc/pauses:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0, 0
	}
	h := s[0].Value.Float64Histogram()
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0, 0
	}
	upper := func(i int) float64 { // bucket i is [Buckets[i], Buckets[i+1])
		u := h.Buckets[i+1]
		if math.IsInf(u, 1) {
			u = h.Buckets[i]
		}
		return u * 1e3
	}
	// p99: the bucket holding the ceil(0.99 total)-th smallest pause
	want := uint64(math.Ceil(0.99 * float64(total)))
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= want {
			p99 = upper(i)
			break
		}
	}
	for i := len(h.Counts) - 1; i >= 0; i-- {
		if h.Counts[i] != 0 {
			pmax = upper(i)
			break
		}
	}
	if ms.NumGC > 0 && ms.NumGC <= uint32(len(ms.PauseNs)) {
		var cyc uint64
		for i := uint32(0); i < ms.NumGC; i++ {
			if ms.PauseNs[i] > cyc {
				cyc = ms.PauseNs[i]
			}
		}
		if c := float64(cyc) / 1e6; c < pmax {
			pmax = c
		}
		if p99 > pmax {
			p99 = pmax
		}
	}
	return pmax, p99
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

var procStart = time.Now()

func child(wl string, a, b int64) {
	t0 := time.Now()
	var check int64
	if wl == "trees" {
		check = runTrees(int(a))
	} else {
		check = runChurn(a, b)
	}
	t := time.Since(t0).Seconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	pmax, p99 := pauseStats(&ms)
	life := time.Since(procStart).Seconds()
	procCPU := cpuSeconds()
	if procCPU <= 0 {
		procCPU = 1
	}
	gcshare := ms.GCCPUFraction * life * float64(runtime.GOMAXPROCS(0)) / procCPU
	fmt.Printf("time_s=%.3f cycles=%d pause_max_ms=%.3f pause_p99_ms=%.3f gc_cpu=%.2f check=%d",
		t, ms.NumGC, pmax, p99, gcshare, check)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gcbench trees DEPTH | churn LIVE_MIB TOTAL_MIB")
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	wl := os.Args[1]
	a, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		usage()
	}
	var b int64
	switch wl {
	case "trees":
	case "churn":
		if len(os.Args) < 4 {
			usage()
		}
		if b, err = strconv.ParseInt(os.Args[3], 10, 64); err != nil {
			usage()
		}
	default:
		usage()
	}
	if os.Getenv("GCBENCH_CHILD") == "1" {
		child(wl, a, b)
		return
	}
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Env = append(os.Environ(), "GCBENCH_CHILD=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Printf("gc_bench workload=%s impl=go FAILED (%v)\n", wl, err)
		os.Exit(1)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss, cpu float64
	if ru != nil {
		rss = float64(ru.Maxrss) / 1024.0
		cpu = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	fmt.Printf("gc_bench workload=%s impl=go maxrss_mib=%.1f cpu_s=%.2f %s\n", wl, rss, cpu, out)
}
