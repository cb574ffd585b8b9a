# Run at every build (the lowspec_git_commit target): writes OUT from IN with the commit the
# sources are at, "-dirty" when they differ from it, so that a results record names the code that
# produced it. configure_file leaves OUT untouched when nothing changed, so nothing rebuilds then.
execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE LOWSPEC_GIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT LOWSPEC_GIT)
  set(LOWSPEC_GIT "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD -- src cmake CMakeLists.txt
                  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE dirty ERROR_QUIET)
  if(dirty)
    string(APPEND LOWSPEC_GIT "-dirty")
  endif()
endif()
configure_file(${IN} ${OUT} @ONLY)
