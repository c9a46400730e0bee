#include "sim/bench/bench_targets.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "isa/error.h"
#include "isa/semantics/cpu_level.h"
#include "isa/trace_binary.h"
#include "sim/bench/bench.h"
#include "sim/bench/fma_peak.h"
#include "sim/stats/text_table.h"

namespace trnsim::sim {
namespace {

namespace fs = std::filesystem;

struct ProcessCost {
  double cpu_s = 0;      // user + system CPU time of the child
  int64_t max_rss_kib = 0;
};

// Runs `argv` as a child process with stdout and stderr discarded; throws trnsim::Error naming
// the command if it cannot start or does not exit 0.
ProcessCost run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string text;
  for (const std::string& a : argv) text += (text.empty() ? "" : " ") + a;
  std::cout.flush();
  const pid_t pid = fork();
  if (pid < 0) throw Error("bench: cannot start '" + text + "'");
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage u{};
  if (wait4(pid, &status, 0, &u) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("bench: '" + text + "' failed (status " + std::to_string(status) + ")");
  ProcessCost c;
  c.cpu_s = double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
            double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
  c.max_rss_kib = u.ru_maxrss;
  return c;
}

// Median CPU time (and the peak RSS of that run) over `repeat` runs.
ProcessCost median_of(std::vector<ProcessCost> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const ProcessCost& a, const ProcessCost& b) { return a.cpu_s < b.cpu_s; });
  return runs[runs.size() / 2];
}

ProcessCost median_child(const std::vector<std::string>& argv, int repeat) {
  std::vector<ProcessCost> runs;
  for (int i = 0; i < std::max(1, repeat); ++i) runs.push_back(run_child(argv));
  return median_of(std::move(runs));
}

// The medians of `repeat` runs of each command, the commands taking turns: a share computed
// from the two is not skewed by the machine's speed drifting between two separate series.
std::vector<ProcessCost> interleaved_medians(const std::vector<std::vector<std::string>>& argvs,
                                             int repeat) {
  std::vector<std::vector<ProcessCost>> runs(argvs.size());
  for (int i = 0; i < std::max(1, repeat); ++i)
    for (size_t c = 0; c < argvs.size(); ++c) runs[c].push_back(run_child(argvs[c]));
  std::vector<ProcessCost> medians;
  for (std::vector<ProcessCost>& r : runs) medians.push_back(median_of(std::move(r)));
  return medians;
}

// CPU seconds of Eigen's fp32 product of two n x n matrices alone (the values-mode yardstick).
double eigen_gemm_cpu_s(int64_t n, int repeat) {
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const M a = M::Random(n, n), b = M::Random(n, n);
  std::vector<double> t;
  for (int i = 0; i < std::max(1, repeat); ++i) {
    M c(n, n);
    const double t0 = process_cpu_s();
    c.noalias() = a * b;
    t.push_back(process_cpu_s() - t0);
    if (!std::isfinite(c(0, 0))) throw Error("bench: Eigen product is not finite");
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::string verdict(bool met) { return met ? "  [met]" : "  [NOT met]"; }

// The timing-only runs of the benchmark program in one trace format, one entry per size.
struct TraceFormatRuns {
  const char* name;
  const char* extension;
  std::vector<std::string> traces;
  std::vector<ProcessCost> cost;
};

// Median CPU seconds this process spends reading `trace` (isa::read_any_trace_file).
double read_cpu_s(const std::string& trace, int repeat) {
  std::vector<double> t;
  for (int i = 0; i < std::max(1, repeat); ++i) {
    const double t0 = process_cpu_s();
    const isa::Program p = isa::read_any_trace_file(trace);
    t.push_back(process_cpu_s() - t0);
    if (p.instructions.empty()) throw Error("bench: " + trace + " has no instructions");
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

std::string run_targets(const TargetsOptions& o) {
  fs::create_directories(o.work_dir);
  const fs::path dir(o.work_dir);
  const std::string out_dir = (dir / "results").string();
  std::string text;
  auto line = [&](const std::string& s) {
    text += s + "\n";
    std::cout << s << "\n" << std::flush;
  };
  auto run_args = [&](const std::string& trace, bool timing_only, const char* timeline) {
    std::vector<std::string> a = {o.trnsim_binary, "run", trace, "-q", "-o", out_dir,
                                  "--timeline", timeline};
    if (timing_only) a.push_back("--timing-only");
    return a;
  };
  line(strformat("CPU time (user + system) of whole `trnsim run` processes, median of %d",
                 o.repeat));

  // 1. Whole-process timing-only rate, linearity, memory per instruction, for the same program
  // as a JSON and as a binary trace (isa/TRACE_BINARY.md).
  std::vector<int64_t> n_instr;
  std::vector<TraceFormatRuns> formats = {{"json", ".json", {}, {}}, {"binary", ".trnb", {}, {}}};
  for (int64_t size : o.sizes) {
    n_instr.push_back(instructions_in_bench_program(size));
    for (TraceFormatRuns& f : formats) {
      // Traces are written by child processes too, so that this process stays small: a child's
      // peak RSS counts the pages it shares with its parent until it execs.
      const std::string trace = (dir / ("bench_" + std::to_string(size) + f.extension)).string();
      run_child({o.trnsim_binary, "bench", "-n", std::to_string(size), "--write-trace", trace});
      f.traces.push_back(trace);
      f.cost.push_back(median_child(run_args(trace, true, "none"), o.repeat));
      line(strformat("run --timing-only %8lld instr, %-6s trace %8.1f MB: %7.3f s CPU, %6.2f M "
                     "instr/s, peak %7.1f MiB",
                     (long long)n_instr.back(), f.name, fs::file_size(trace) / 1e6,
                     f.cost.back().cpu_s, n_instr.back() / f.cost.back().cpu_s / 1e6,
                     f.cost.back().max_rss_kib / 1024.0));
    }
  }
  const size_t last = n_instr.size() - 1;
  for (const TraceFormatRuns& f : formats) {
    const std::vector<ProcessCost>& c = f.cost;
    const double rate = n_instr[last] / c[last].cpu_s;
    line(strformat("target: run --timing-only >= 2 M instr/s at the largest size, %s trace: "
                   "%.2f M/s", f.name, rate / 1e6) + verdict(rate >= 2e6));
    for (size_t i = 1; i < n_instr.size(); ++i) {
      const double slope = std::log(c[i].cpu_s / c[i - 1].cpu_s) /
                           std::log(double(n_instr[i]) / double(n_instr[i - 1]));
      line(strformat("target: linear (log-log slope ~1) %lld -> %lld instr, %s trace: slope %.2f",
                     (long long)n_instr[i - 1], (long long)n_instr[i], f.name, slope) +
           verdict(slope <= 1.15));
    }
    const double bytes_per_instr = c[last].max_rss_kib * 1024.0 / double(n_instr[last]);
    const double marginal = last == 0 ? bytes_per_instr
                                      : (c[last].max_rss_kib - c[0].max_rss_kib) * 1024.0 /
                                            double(n_instr[last] - n_instr[0]);
    line(strformat("target: peak memory <= 300 B/instr timing-only, %s trace: %.0f B/instr "
                   "(marginal %.0f)", f.name, bytes_per_instr, marginal) +
         verdict(bytes_per_instr <= 300));
  }
  const std::string largest_trace = formats[0].traces.back();

  // 2. Timeline share at the largest size: runs without, with json and with json.gz in turn.
  const std::vector<ProcessCost> turns = interleaved_medians(
      {run_args(largest_trace, true, "none"), run_args(largest_trace, true, "json"),
       run_args(largest_trace, true, "json.gz")},
      o.repeat);
  const ProcessCost &without = turns[0], &with_timeline = turns[1], &with_gz = turns[2];
  const double share = std::max(0.0, with_timeline.cpu_s - without.cpu_s) / with_timeline.cpu_s;
  line(strformat("target: timeline.json < 20%% of a run: %.1f%% (%.3f s with, %.3f s without, "
                 "runs taking turns)",
                 100 * share, with_timeline.cpu_s, without.cpu_s) + verdict(share < 0.2));
  const double gz_share = std::max(0.0, with_gz.cpu_s - without.cpu_s) / with_gz.cpu_s;
  line(strformat("        (timeline.json.gz: %.1f%% of a run, %.3f s)", 100 * gz_share,
                 with_gz.cpu_s));

  // 3. bf16 GEMMs through the kernel library, values on, whole process; and vs Eigen alone,
  // and the floor: the product alone at this core's multiply-add peak.
  const double peak_gflops = measured_fma_peak_gflops(0.2);
  for (int64_t n : o.gemm_sizes) {
    const std::string trace = (dir / ("matmul_" + std::to_string(n) + ".json")).string();
    const std::string mnk = std::to_string(n);
    run_child({o.trnsim_binary, "kernel-trace", "matmul", "-s", "M=" + mnk + ",N=" + mnk + ",K=" + mnk,
               "-d", "bfloat16", "-o", trace});
    const ProcessCost values = median_child(run_args(trace, false, "none"), o.repeat);
    const ProcessCost timing = median_child(run_args(trace, true, "none"), o.repeat);
    const double limit = n <= 1024 ? 0.03 : 0.5;
    line(strformat("target: bf16 GEMM %lld^3 with values <= %.2f s: %.3f s CPU (timing-only "
                   "%.3f s, peak %.1f MiB)",
                   (long long)n, limit, values.cpu_s, timing.cpu_s, values.max_rss_kib / 1024.0) +
         verdict(n <= 2048 && values.cpu_s <= limit));
    const double gflop = 2.0 * double(n) * double(n) * double(n) / 1e9;
    line(strformat("        (floor: its %.2f GFLOP alone at this core's measured fp32 multiply-add "
                   "peak, %s, %.1f GFLOP/s: %.3f s)",
                   gflop, std::string(isa::sem::cpu_level_name(isa::sem::cpu_level())).c_str(),
                   peak_gflops, gflop / peak_gflops));
    if (n == o.gemm_sizes.back()) {
      const double eigen = eigen_gemm_cpu_s(n, o.repeat);
      const double ratio = values.cpu_s / eigen;
      line(strformat("target: values mode %lld^3 within 3x of Eigen alone: %.1fx (%.3f s vs "
                     "Eigen's fp32 product, built for this binary's target, %.3f s)",
                     (long long)n, ratio, values.cpu_s, eigen) + verdict(ratio <= 3));
    }
  }

  // 4. Reading alone, in this process (last: it grows this process, whose pages the children
  // forked above would otherwise count).
  for (size_t i = 0; i < n_instr.size(); ++i) {
    std::string figures;
    for (const TraceFormatRuns& f : formats) {
      const double s = read_cpu_s(f.traces[i], o.repeat);
      figures += strformat("%s%s %.3f s (%.2f M instr/s)", figures.empty() ? "" : ", ", f.name, s,
                           n_instr[i] / s / 1e6);
    }
    line(strformat("read trace %8lld instr (in-process CPU): ", (long long)n_instr[i]) + figures);
  }
  return text;
}

}  // namespace trnsim::sim
