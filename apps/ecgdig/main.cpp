// ecgdig: digitize paper ECGs, render synthetic pages, score results.

#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/version.hpp"

int main(int argc, char **argv) {
  CLI::App app{"ecgdig: turn pictures of paper ECGs into digital 12-lead signals"};
  app.set_version_flag("--version", std::string("ecgdig ") + ecgdig::version());
  app.require_subcommand(1);
  int exit_code = ecgdig::cli::kExitOk;
  ecgdig::cli::add_eval_command(app, exit_code);
  ecgdig::cli::add_convert_command(app, exit_code);
  ecgdig::cli::add_digitize_command(app, exit_code);
  ecgdig::cli::add_render_command(app, exit_code);
  ecgdig::cli::add_train_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // --help and --version arrive here too, with status 0; CLI11's own codes
    // (100+) are folded into the one documented usage status.
    return app.exit(e) == 0 ? ecgdig::cli::kExitOk : ecgdig::cli::kExitUsage;
  } catch (const ecgdig::Error &e) {
    std::fprintf(stderr, "ecgdig: error: %s\n", e.what());
    return ecgdig::cli::kExitInputFailed;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ecgdig: internal error: %s\n", e.what());
    return ecgdig::cli::kExitInternal;
  }
  return exit_code;
}
