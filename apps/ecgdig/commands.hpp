#pragma once
// Each subcommand lives in its own file and adds itself to the parser here.

#include <CLI/CLI.hpp>

namespace ecgdig::cli {

/// Exit statuses of the tool (docs/cli.md).
inline constexpr int kExitOk = 0;           ///< everything succeeded
inline constexpr int kExitInputFailed = 1;  ///< at least one input could not be read or written
inline constexpr int kExitUsage = 2;        ///< bad command line
inline constexpr int kExitInternal = 3;     ///< a bug: an unexpected exception

// Each returns after registering the subcommand; the callback it sets runs
// the command and throws ecgdig::Error (or returns a non-zero exit code
// through `exit_code`) on failure.
void add_eval_command(CLI::App &app, int &exit_code);
void add_convert_command(CLI::App &app, int &exit_code);
void add_digitize_command(CLI::App &app, int &exit_code);
void add_render_command(CLI::App &app, int &exit_code);
void add_train_command(CLI::App &app, int &exit_code);

}  // namespace ecgdig::cli
