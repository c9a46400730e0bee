// `trnsim compare A/ B/`: two results folders side by side.
#include <iostream>

#include "sim/cli/commands.h"
#include "sim/stats/compare.h"

namespace trnsim::cli {

void add_compare_command(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("compare", "Compare two results folders (A is the baseline)");
  cmd->add_option("dirs", *dirs, "A/ B/")->required()->expected(2);
  cmd->callback([dirs] { std::cout << sim::compare_dirs((*dirs)[0], (*dirs)[1]); });
}

}  // namespace trnsim::cli
