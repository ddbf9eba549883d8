# cmake -P script run by ctest: install into WORK_DIR/prefix, then build and
# run the consumer in CONSUMER_DIR with find_package and with pkg-config.

function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

function(expect_version what output)
  if(NOT output MATCHES "ecgdig ${EXPECTED_VERSION}")
    message(FATAL_ERROR "${what} printed '${output}', expected 'ecgdig ${EXPECTED_VERSION}'")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run_checked("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The library is installed with its SONAME link, headers, package and pkg-config files.
file(GLOB_RECURSE sonames ${prefix}/lib*/libecgdig.so.[0-9]*)
file(GLOB_RECURSE configs ${prefix}/lib*/ecgdigConfig.cmake)
file(GLOB_RECURSE pcfiles ${prefix}/lib*/ecgdig.pc)
foreach(list sonames configs pcfiles)
  if(NOT ${list})
    message(FATAL_ERROR "install: no ${list} under ${prefix}")
  endif()
endforeach()
if(NOT EXISTS ${prefix}/include/ecgdig/ecgdig.hpp)
  message(FATAL_ERROR "install: include/ecgdig/ecgdig.hpp missing")
endif()
list(GET sonames 0 soname)
get_filename_component(libdir ${soname} DIRECTORY)

# The installed tool runs from the prefix (its RPATH points at ../lib).
if(EXISTS ${prefix}/bin/ecgdig)
  run_checked("installed ecgdig --version" ${prefix}/bin/ecgdig --version)
  expect_version("installed ecgdig --version" "${RUN_OUTPUT}")
endif()

# 1. CMake package.
set(build ${WORK_DIR}/consumer-cmake)
run_checked("configure consumer (find_package)" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${build}
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}"
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
run_checked("build consumer (find_package)" ${CMAKE_COMMAND} --build ${build})
run_checked("run consumer (find_package)" ${build}/consumer)
expect_version("consumer (find_package)" "${RUN_OUTPUT}")
if(EXISTS ${prefix}/include/ecgdig.h)
  run_checked("run C consumer (find_package)" ${build}/consumer_c)
  expect_version("C consumer (find_package)" "${RUN_OUTPUT}")
endif()

# 2. pkg-config, with the compiler called directly as a Makefile would.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
run_checked("pkg-config" ${PKG_CONFIG} --cflags --libs ecgdig)
string(STRIP "${RUN_OUTPUT}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra_flags UNIX_COMMAND "${CXX_FLAGS} ${EXE_LINKER_FLAGS}")
run_checked("build consumer (pkg-config)" ${CXX_COMPILER} -std=c++17 ${extra_flags}
  ${CONSUMER_DIR}/main.cpp -o ${WORK_DIR}/consumer-pc ${pc_flags})
set(ENV{LD_LIBRARY_PATH} ${libdir})
run_checked("run consumer (pkg-config)" ${WORK_DIR}/consumer-pc)
expect_version("consumer (pkg-config)" "${RUN_OUTPUT}")
message(STATUS "installed into ${prefix}; both consumers print ecgdig ${EXPECTED_VERSION}")
