// The simulator-speed benchmark: a synthetic program that keeps every engine and all DMA queues
// busy (load, matmul, activation, tensor_tensor, iota, store per step, rotating buffers), run
// in timing-only mode and with values, reporting simulated instructions per second of wall
// time and the process's peak memory. Figures are printed, never asserted (see DESIGN.md).
#pragma once

#include <cstdint>
#include <string>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

// A program of about `instructions` instructions (6 per step) on [128, free_elems] tiles.
isa::Program make_bench_program(int64_t instructions, int64_t free_elems);
// The exact instruction count of make_bench_program(instructions, ...).
int64_t instructions_in_bench_program(int64_t instructions);

struct BenchFigures {
  int64_t instructions = 0;
  double build_s = 0;            // program generation + validation
  double timing_only_s = 0;      // simulate() in timing-only mode = plan_s + run_s
  double plan_s = 0;             // build_plan (costs, queues, dependency analysis)
  double run_s = 0;              // run_plan (the SystemC run) and result collection
  double values_s = 0;           // simulate() with values (0 if skipped)
  int64_t values_instructions = 0;
  double simulated_ns = 0;
  int64_t systemc_waits = 0;     // of the timing-only run
  int64_t peak_rss_kib = 0;
};

// Runs the benchmark; values mode runs on the first `values_instructions` instructions' worth
// of steps (0 = skip) so that it stays within a reasonable wall time.
BenchFigures run_bench(const HwConfig& cfg, int64_t instructions, int64_t values_instructions,
                       int64_t free_elems);
std::string format_bench(const BenchFigures& f);

}  // namespace trnsim::sim
