// `trnsim bench`: simulator speed and memory on a large synthetic program; `--targets` measures
// every speed target as whole-process runs; `--write-trace` writes the synthetic program.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "sim/bench/bench.h"
#include "sim/bench/bench_targets.h"
#include "sim/cli/commands.h"
#include "sim/cli/hw_options.h"

namespace trnsim::cli {
namespace {

std::string this_executable() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("bench --targets: cannot find this executable (/proc/self/exe)");
  return p.string();
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Args {
    int64_t instructions = 1'200'000, values_instructions = 60'000, free_elems = 64;
    std::string write_trace;
    bool targets = false;
    sim::TargetsOptions target_options;
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
                  "write the benchmark program of --instructions as a trace and exit (binary if the name ends in .trnb, else JSON)");
  cmd->add_flag("--targets", args->targets,
                "measure every speed target with whole-process `trnsim run`s and print them");
  cmd->add_option("--sizes", args->target_options.sizes,
                  "--targets: timing-only program sizes (instructions), comma separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--gemm-sizes", args->target_options.gemm_sizes,
                  "--targets: bf16 GEMM sizes (M = N = K), comma separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--repeat", args->target_options.repeat, "--targets: runs per figure (median)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_hw_options(*cmd, args->hw);
  cmd->callback([args] {
    if (!args->write_trace.empty()) {
      isa::write_trace_file_by_name(sim::make_bench_program(args->instructions, args->free_elems),
                            args->write_trace);
      return;
    }
    if (args->targets) {
      sim::TargetsOptions o = args->target_options;
      if (o.sizes.empty() || o.gemm_sizes.empty())
        throw Error("bench --targets: --sizes and --gemm-sizes need at least one value");
      for (int64_t v : o.sizes)
        if (v < 7) throw Error("bench --targets: --sizes value " + std::to_string(v) + " < 7");
      for (int64_t v : o.gemm_sizes)
        if (v < 128 || v % 128)
          throw Error("bench --targets: --gemm-sizes value " + std::to_string(v) +
                      " is not a positive multiple of 128");
      o.trnsim_binary = this_executable();
      const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                        ("trnsim-bench-" + std::to_string(getpid()));
      o.work_dir = dir.string();
      try {
        sim::run_targets(o);
      } catch (...) {
        std::filesystem::remove_all(dir);
        throw;
      }
      std::filesystem::remove_all(dir);
      return;
    }
    const sim::BenchFigures f = sim::run_bench(sim::resolve_config(args->hw), args->instructions,
                                               args->values_instructions, args->free_elems);
    std::cout << sim::format_bench(f);
  });
}

}  // namespace trnsim::cli
