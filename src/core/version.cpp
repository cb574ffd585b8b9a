#include "core/version.h"

// Generated at configure time (cmake/version.h.in): only this file rebuilds when the commit changes.
#include "version_config.h"

namespace lowspec {

const char* version() { return LOWSPEC_VERSION_STRING; }
const char* git_commit() { return LOWSPEC_GIT_COMMIT; }

}  // namespace lowspec
