# Compares the ABI of libecgdig_c (functions and the public types they use,
# from debug info) with the committed baseline; -DUPDATE=ON rewrites it.
# Usage: cmake -DABIDW= -DABIDIFF= -DLIBRARY= -DHEADERS= -DBASELINE= -DWORK_DIR= [-DUPDATE=ON] -P check_abi.cmake
file(MAKE_DIRECTORY ${WORK_DIR})
set(current ${WORK_DIR}/current.abi)
execute_process(
  COMMAND ${ABIDW} --headers-dir ${HEADERS} --drop-private-types --exported-interfaces-only
    --no-corpus-path --no-comp-dir-path --no-show-locs --out-file ${current} ${LIBRARY}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "abidw failed on ${LIBRARY} (${rc}): ${err}")
endif()
if(UPDATE)
  configure_file(${current} ${BASELINE} COPYONLY)
  message(STATUS "ABI baseline written to ${BASELINE}")
  return()
endif()
execute_process(COMMAND ${ABIDIFF} ${BASELINE} ${current}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "The ABI of ${LIBRARY} differs from ${BASELINE} (abidiff status ${rc}):\n"
    "${out}${err}\nAn intended compatible addition: build the target capi_abi_baseline and "
    "commit the file. A removal or change of an existing function or type needs ECGDIG_ABI_VERSION raised.")
endif()
message(STATUS "ABI of ${LIBRARY} matches ${BASELINE}")
