# Install rules: library, headers, CLI (apps/), models, docs, CMake package
# (ecgdig::ecgdig), pkg-config file, and a build-tree export.
include(CMakePackageConfigHelpers)

set(ECGDIG_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ecgdig)

# Library targets of the export set. Deferred to the end of the top-level
# CMakeLists.txt so that the C facade (ecgdig_c, from capi/) joins the set
# whichever order the subdirectories are added in.
function(ecgdig_install_libraries)
  set(targets ecgdig)
  if(TARGET ecgdig_c)
    list(APPEND targets ecgdig_c)
    # libecgdig_c needs libecgdig from the same folder, also when that folder
    # is not on the loader's path (an executable's RUNPATH does not serve the
    # dependencies of its libraries).
    set_target_properties(ecgdig_c PROPERTIES EXPORT_NAME c INSTALL_RPATH "$ORIGIN")
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/capi/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
      COMPONENT dev)
  endif()
  install(TARGETS ${targets}
    EXPORT ecgdig-targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT ecgdig-targets
    NAMESPACE ecgdig::
    FILE ecgdig-targets.cmake
    DESTINATION ${ECGDIG_CMAKE_DIR}
    COMPONENT dev)
  # Build tree: find_package(ecgdig PATHS <build dir>) works without installing.
  export(EXPORT ecgdig-targets NAMESPACE ecgdig:: FILE ${PROJECT_BINARY_DIR}/ecgdig-targets.cmake)
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL ecgdig_install_libraries)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ecgdig DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

# The same config file serves the install tree and the build tree; it only
# includes ecgdig-targets.cmake from its own folder.
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ecgdigConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ecgdigConfig.cmake
  INSTALL_DESTINATION ${ECGDIG_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ecgdigConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ecgdigConfig.cmake ${PROJECT_BINARY_DIR}/ecgdigConfigVersion.cmake
  DESTINATION ${ECGDIG_CMAKE_DIR}
  COMPONENT dev)

# pkg-config: paths relative to the .pc file, so `cmake --install --prefix X`
# gives a working file under any prefix.
file(RELATIVE_PATH ECGDIG_PC_PREFIX_FROM_PCDIR
  ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" ECGDIG_PC_PREFIX_FROM_PCDIR "${ECGDIG_PC_PREFIX_FROM_PCDIR}")
foreach(_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(ECGDIG_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(ECGDIG_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/ecgdig.pc.in ${PROJECT_BINARY_DIR}/ecgdig.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ecgdig.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
# The C API (capi/): `pkg-config --cflags --libs ecgdig_c`.
if(TARGET ecgdig_c)
  configure_file(${PROJECT_SOURCE_DIR}/capi/ecgdig_c.pc.in ${PROJECT_BINARY_DIR}/ecgdig_c.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/ecgdig_c.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    COMPONENT dev)
endif()

# Trained weights and their model card (shipped once they exist).
if(EXISTS ${PROJECT_SOURCE_DIR}/models)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ecgdig/models
    COMPONENT runtime)
endif()

# Documentation.
foreach(_doc README.md LICENSE)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${_doc})
    install(FILES ${PROJECT_SOURCE_DIR}/${_doc} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
  endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/docs)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
    COMPONENT runtime FILES_MATCHING PATTERN "*.md")
endif()
