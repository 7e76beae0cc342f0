# Run CMD ARGS and check its exit status (WANT_RC) and that stderr contains
# WANT_ERR: ctest's own checks cannot combine an exit status with a message.
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL WANT_RC)
  message(FATAL_ERROR "${CMD} ${ARGS}: exit status ${rc}, want ${WANT_RC}; stderr: ${err}")
endif()
string(FIND "${err}" "${WANT_ERR}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${CMD} ${ARGS}: stderr lacks '${WANT_ERR}': ${err}")
endif()
