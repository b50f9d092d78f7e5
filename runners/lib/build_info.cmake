# Writes build_info.h with the current git commit ("unknown" outside git,
# "-dirty" when the tree has uncommitted changes). Run at every build.
execute_process(COMMAND git rev-parse HEAD
  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE LOCALITY_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR LOCALITY_GIT_COMMIT STREQUAL "")
  set(LOCALITY_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE dirty ERROR_QUIET)
  if(NOT dirty STREQUAL "")
    string(APPEND LOCALITY_GIT_COMMIT "-dirty")
  endif()
endif()
string(REPLACE "\"" "\\\"" LOCALITY_BUILD_FLAGS "${LOCALITY_BUILD_FLAGS}")
configure_file("${SOURCE_DIR}/runners/lib/build_info.h.in" "${OUTPUT}" @ONLY)
