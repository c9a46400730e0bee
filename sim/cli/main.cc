// trnsim: cycle-approximate simulator of the AWS Trainium NeuronCore.
#include <filesystem>
#include <iostream>
#include <new>
#include <string>

#include "isa/error.h"
#include "sim/cli/commands.h"
#include "workloads/model_cli.h"

int main(int argc, char** argv) {
  CLI::App app{"trnsim: cycle-approximate simulator of the AWS Trainium NeuronCore"};
  app.set_version_flag("--version", std::string("trnsim ") + TRNSIM_VERSION);
  app.require_subcommand(1);
  trnsim::cli::add_run_command(app);
  trnsim::cli::add_isa_command(app);
  trnsim::cli::add_schema_command(app);
  trnsim::cli::add_compare_command(app);
  trnsim::cli::add_nki_command(app);
  trnsim::cli::add_bench_command(app);
  trnsim::cli::add_rank_command(app);
  trnsim::cli::add_convert_command(app);
  trnsim::workloads::add_model_subcommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const trnsim::Error& e) {
    std::cerr << "trnsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {  // the machine's limit, not a bug: say so, exit 2
    std::cerr << "trnsim: error: out of host memory (use --timing-only or smaller tensors)\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {  // the file system's refusal
    std::cerr << "trnsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {  // exit 3 is reserved for bugs in trnsim
    std::cerr << "trnsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
