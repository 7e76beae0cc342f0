# tests/checker: the race checker (libgomm_race). Included from
# tests/CMakeLists.txt. Unit tests reach the checker's private headers.
gomm_add_test(checker/test_options.c RACE FORKS)
gomm_add_test(checker/test_suppress.c RACE)
gomm_add_test(checker/test_symbolize.c RACE)
gomm_add_test(checker/test_report.c RACE)
# the engine, one OS thread playing many checker threads; nothing printed
gomm_add_test(checker/test_engine.c RACE)
set_tests_properties(checker/test_engine PROPERTIES ENVIRONMENT "GOMM_OPTIONS=report_bugs=0")
# 10^8 announced accesses, bounded memory, a race after 768 MiB of traffic
gomm_add_test(checker/test_scale.c RACE FORKS TIMEOUT 600)
gomm_add_test(checker/test_hb_rules.c RACE FORKS TIMEOUT 300)
gomm_add_test(checker/test_mm_examples.c RACE FORKS TIMEOUT 300)
