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
