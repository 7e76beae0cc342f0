# tests/sync/tests.cmake — the sync library's cmocka tests (included by
# tests/CMakeLists.txt). One file per primitive; FORKS marks the tests that
# run fatal errors and deadlocks in forked children.
gomm_add_test(sync/test_go.c FORKS TIMEOUT 120)
gomm_add_test(sync/test_chan.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_select.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_timer.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_mutex.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_rwmutex.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_once.c TIMEOUT 300)
gomm_add_test(sync/test_waitgroup.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_cond.c TIMEOUT 300)
gomm_add_test(sync/test_atomic.c TIMEOUT 300)
gomm_add_test(sync/test_deadlock.c FORKS TIMEOUT 300)
gomm_add_test(sync/test_torture.c TIMEOUT 300 LABELS torture)

# ThreadSanitizer: children forked from a multi-threaded test process start
# threads (goroutines, the timer thread, a plain thread that proves another
# thread is blocked). TSan refuses that by default ("starting new threads
# after multi-threaded fork is not supported", die_after_fork); the children
# here only run a few threads for a few hundred milliseconds, which TSan
# handles with die_after_fork=0. (gomm_add_test has already appended
# detect_deadlocks=0 for FORKS tests; this appends to the same variable.)
if(GOMM_SANITIZE MATCHES "thread")
  foreach(t test_go test_chan test_select test_timer test_mutex test_rwmutex test_waitgroup
            test_deadlock)
    set_property(TEST sync/${t} APPEND PROPERTY ENVIRONMENT_MODIFICATION
      "TSAN_OPTIONS=string_append: die_after_fork=0")
  endforeach()
endif()

# The same tests linked with the race build (libgomm_race): correct,
# heavily concurrent programs on every primitive must raise no report (a
# report makes the process exit 66, which fails the test), and the hooks
# must keep the primitives working. Not the 10^7-message torture (70 s in
# the race build) nor the deadlock tests (fork-heavy, no new edges).
# Under ThreadSanitizer (the checker itself checked) a subset.
set(race_sync_tests test_go test_chan test_select test_timer test_mutex test_rwmutex
    test_once test_waitgroup test_cond test_atomic)
if(GOMM_SANITIZE MATCHES "thread")
  set(race_sync_tests test_go test_chan test_select test_mutex test_waitgroup)
endif()
foreach(t ${race_sync_tests})
  gomm_add_test(sync/${t}.c RACE FORKS TIMEOUT 300 NAME ${t}_race LABELS race)
  if(GOMM_SANITIZE MATCHES "thread")
    set_property(TEST sync/${t}_race APPEND PROPERTY ENVIRONMENT_MODIFICATION
      "TSAN_OPTIONS=string_append: die_after_fork=0")
  endif()
endforeach()
