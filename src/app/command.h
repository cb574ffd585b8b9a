// Subcommands register themselves: each src/app/cmd_*.cpp defines one Command and a static
// CommandRegistrar, so adding a command touches no other file.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace lowspec::app {

struct Command {
  std::string name;
  std::string help;
  // Adds options to the subcommand; returns the function to run once parsed (exit status).
  std::function<std::function<int()>(CLI::App&)> setup;
};

std::vector<Command>& command_registry();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { command_registry().push_back(std::move(c)); }
};

}  // namespace lowspec::app
