// The version of this build and the git commit it was built from.
#pragma once

namespace lowspec {

const char* version();
const char* git_commit();

}  // namespace lowspec
