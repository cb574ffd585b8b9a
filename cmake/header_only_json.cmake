# nlohmann/json is header-only and the same on every architecture, so a cross build uses the
# build machine's copy, through a folder holding only it: adding the host's /usr/include itself
# would shadow the target's C library headers.
find_path(LOWSPEC_JSON_INCLUDE nlohmann/json.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH
          REQUIRED)
set(LOWSPEC_HEADER_ONLY_DIR ${CMAKE_BINARY_DIR}/header-only)
file(MAKE_DIRECTORY ${LOWSPEC_HEADER_ONLY_DIR})
file(CREATE_LINK ${LOWSPEC_JSON_INCLUDE}/nlohmann ${LOWSPEC_HEADER_ONLY_DIR}/nlohmann SYMBOLIC)
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
target_include_directories(nlohmann_json::nlohmann_json INTERFACE ${LOWSPEC_HEADER_ONLY_DIR})
