// `trnsim bench --targets`: every simulator-speed target (issue "Simulator speed and memory at
// real kernel sizes") measured on this machine and printed with its target. Whole-process
// figures run this same binary as a child process (`trnsim run ...`) on traces written to a
// work folder, and take the child's user + system CPU time and peak RSS (getrusage of the
// child: CPU time rather than wall time, since the machine may be shared), median of `repeat`.
// Figures are printed, never asserted (DESIGN.md: no timed tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trnsim::sim {

struct TargetsOptions {
  std::string trnsim_binary;   // the binary to run as `trnsim run` (normally this one)
  std::string work_dir;        // traces and results folders go here (created)
  std::vector<int64_t> sizes = {10'000, 100'000, 1'000'000};  // timing-only program sizes
  std::vector<int64_t> gemm_sizes = {1024, 2048};             // bf16 GEMM M = N = K
  int repeat = 3;
};

// Measures and writes one line per figure to `out`; returns the text as well.
std::string run_targets(const TargetsOptions& options);

}  // namespace trnsim::sim
