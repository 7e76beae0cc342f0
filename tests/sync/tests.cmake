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
