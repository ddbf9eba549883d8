// ecgdig: digitize paper ECGs, render synthetic pages, score results.

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/version.hpp"

int main(int argc, char **argv) {
  CLI::App app{"ecgdig: turn pictures of paper ECGs into digital 12-lead signals"};
  app.set_version_flag("--version", std::string("ecgdig ") + ecgdig::version());
  app.require_subcommand(1);
  int exit_code = 0;
  ecgdig::cli::add_eval_command(app, exit_code);
  ecgdig::cli::add_convert_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  } catch (const ecgdig::Error &e) {
    std::fprintf(stderr, "ecgdig: error: %s\n", e.what());
    return 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ecgdig: internal error: %s\n", e.what());
    return 3;
  }
  return exit_code;
}
