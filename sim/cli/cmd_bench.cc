// `trnsim bench`: simulator speed and memory on a large synthetic program.
#include <iostream>

#include "sim/bench/bench.h"
#include "sim/cli/commands.h"
#include "sim/cli/hw_options.h"

namespace trnsim::cli {

void add_bench_command(CLI::App& app) {
  struct Args {
    int64_t instructions = 1'200'000, values_instructions = 60'000, free_elems = 64;
    sim::HwSelection hw;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("bench", "Benchmark the simulator itself (instructions/s, memory)");
  cmd->add_option("--instructions,-n", args->instructions, "program size for timing-only")
      ->capture_default_str();
  cmd->add_option("--values-instructions", args->values_instructions,
                  "program size for the values+timing run (0 = skip)")
      ->capture_default_str();
  cmd->add_option("--free", args->free_elems, "free elements per partition of each tile")
      ->capture_default_str();
  add_hw_options(*cmd, args->hw);
  cmd->callback([args] {
    const sim::BenchFigures f = sim::run_bench(sim::resolve_config(args->hw), args->instructions,
                                               args->values_instructions, args->free_elems);
    std::cout << sim::format_bench(f);
  });
}

}  // namespace trnsim::cli
