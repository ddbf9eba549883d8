#pragma once
// Each subcommand lives in its own file and adds itself to the parser here.

#include <CLI/CLI.hpp>

namespace ecgdig::cli {

// Each returns after registering the subcommand; the callback it sets runs
// the command and throws ecgdig::Error (or returns a non-zero exit code
// through `exit_code`) on failure.
void add_eval_command(CLI::App &app, int &exit_code);
void add_convert_command(CLI::App &app, int &exit_code);

}  // namespace ecgdig::cli
