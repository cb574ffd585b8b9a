// lowspec version: the version and the build's git commit.
#include <cstdio>

#include "app/command.h"
#include "core/cpu_features.h"
#include "core/version.h"

namespace lowspec::app {
namespace {
CommandRegistrar version_command{{"version", "Print the version, git commit and CPU features in use",
                      [](CLI::App&) -> std::function<int()> {
                        return [] {
                          std::printf("lowspec %s (%s)\ncpu: %s\n", version(), git_commit(),
                                      cpu_features().summary().c_str());
                          return 0;
                        };
                      }}};
}  // namespace
}  // namespace lowspec::app
