// lowspec: run compact language models offline on low-spec CPUs, and measure them.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "app/command.h"
#include "core/error.h"
#include "core/version.h"

namespace lowspec::app {
std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace lowspec::app

int main(int argc, char** argv) {
  using namespace lowspec;
  CLI::App app{"lowspec: compact language models, fully offline, on low-spec CPUs", "lowspec"};
  app.set_version_flag("--version", std::string(version()) + " (" + git_commit() + ")");
  app.require_subcommand(1);
  auto& commands = app::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const app::Command& a, const app::Command& b) { return a.name < b.name; });
  std::function<int()> action;
  for (auto& c : commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    auto run = c.setup(*sub);
    sub->callback([&action, run] { action = run; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lowspec: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    return action ? action() : 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "lowspec: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "lowspec: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lowspec: internal error: %s\n", e.what());
    return 1;
  }
}
