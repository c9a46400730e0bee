// `trnsim bench`: simulator speed and memory on a large synthetic program.
#include <iostream>

#include "isa/trace_json.h"
#include "sim/bench/bench.h"
#include "sim/cli/commands.h"
#include "sim/cli/hw_options.h"

namespace trnsim::cli {

void add_bench_command(CLI::App& app) {
  struct Args {
    int64_t instructions = 1'200'000, values_instructions = 60'000, free_elems = 64;
    std::string write_trace;
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
  cmd->add_option("--write-trace", args->write_trace,
                  "write the benchmark program of --instructions as a JSON trace and exit");
  add_hw_options(*cmd, args->hw);
  cmd->callback([args] {
    if (!args->write_trace.empty()) {
      isa::write_trace_file(sim::make_bench_program(args->instructions, args->free_elems),
                            args->write_trace);
      return;
    }
    const sim::BenchFigures f = sim::run_bench(sim::resolve_config(args->hw), args->instructions,
                                               args->values_instructions, args->free_elems);
    std::cout << sim::format_bench(f);
  });
}

}  // namespace trnsim::cli
