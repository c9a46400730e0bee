// `trnsim run TRACE.json`: simulate a trace and write a results folder.
#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/validate.h"
#include "sim/cli/commands.h"
#include "sim/cli/hw_options.h"
#include "sim/cli/progress.h"
#include "sim/config/data_dir.h"
#include "sim/inputs.h"
#include "sim/pair/pair_results.h"
#include "sim/session.h"
#include "sim/stats/results_writer.h"

namespace trnsim::cli {
namespace {

struct RunArgs {
  std::string trace;  // empty: the shipped RMSNorm sample under the data root
  std::string out = "results/run";
  std::vector<std::string> inputs;
  uint64_t seed = 0;
  bool timing_only = false, values_only = false, quiet = false, json = false;
  bool all_tensors = false;
  std::string timeline = "json";
  bool timeline_pieces = false;
  bool timeline_all_deps = false;
  sim::HwSelection hw;
};

// "timeline: DIR/timeline.json.gz (3.4 MB)", or "" when the run wrote no timeline.
std::string timeline_line(const std::string& out, sim::TimelineFormat format) {
  if (format == sim::TimelineFormat::kNone) return "";
  const std::string path = (std::filesystem::path(out) / sim::timeline_file_name(format)).string();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) return "";
  char size[32];
  if (bytes >= 1000 * 1000)
    std::snprintf(size, sizeof size, "%.1f MB", double(bytes) / 1e6);
  else
    std::snprintf(size, sizeof size, "%.1f kB", double(bytes) / 1e3);
  return "timeline: " + path + " (" + size + ")\n";
}

// Stages of a run shown by the progress bar (a big trace spends seconds in each).
enum Stage : int64_t { kReading, kSimulating, kWriting, kStages };

sim::SessionOptions session_options(const RunArgs& a, const std::string& trace_path) {
  sim::SessionOptions opts;
  if (a.timing_only && a.values_only) throw Error("--timing-only and --values-only exclude each other");
  opts.mode = a.timing_only   ? sim::Mode::kTimingOnly
              : a.values_only ? sim::Mode::kValuesOnly
                              : sim::Mode::kValuesAndTiming;
  opts.input_files = sim::parse_name_file_pairs(a.inputs);
  opts.seed = a.seed;
  // Validation errors name the trace file like the reader's: "FILE: instruction N ...".
  opts.error_context = trace_path;
  return opts;
}

// `run` is the last thing the process does: its programs (four heap blocks per instruction)
// are handed to the process instead of being freed block by block, which took ~3% of a
// timing-only run (like clang's -disable-free). Kept reachable, so leak checkers stay quiet;
// a later call (tests run commands in one process) frees the previous ones.
std::vector<isa::Program>* kept_programs = nullptr;  // a plain pointer: no destructor at exit

template <class... Programs>
void outlive_the_run(Programs&&... programs) {
  delete kept_programs;
  kept_programs = new std::vector<isa::Program>;
  (kept_programs->push_back(std::move(programs)), ...);
}

// A pair manifest (isa/PAIR_TRACE.md): both cores in one run.
void run_pair(const RunArgs& a, const std::string& manifest, const sim::TimelineOptions& timeline) {
  const std::array<std::string, 2> traces = sim::read_pair_manifest(manifest);
  isa::Program core0 = isa::read_any_trace_file(traces[0]);
  isa::Program core1 = isa::read_any_trace_file(traces[1]);
  const sim::SessionOptions opts = session_options(a, manifest);
  const sim::HwConfig cfg = sim::resolve_config(a.hw);
  const sim::PairSession s = sim::run_pair_session(core0, core1, cfg, opts);
  sim::write_pair_results(a.out, {&core0, &core1}, s, a.all_tensors, timeline);
  if (a.json) {
    std::cout << sim::pair_stats_json(s).dump(2) << "\n";
  } else if (!a.quiet) {
    for (int c = 0; c < 2; ++c)
      std::cout << "core " << c << ": " << (c ? core1 : core0).name << " on " << s.config.name
                << "\n" << sim::format_summary(s.stats[c]);
    std::cout << "pair total: " << s.total_ns << " ns (later core + "
              << s.links.semaphore_ns << " ns end-of-kernel barrier)\n"
              << "results: " << a.out << "\n";
  }
  outlive_the_run(std::move(core0), std::move(core1));
}

void run(const RunArgs& a) {
  sim::TimelineOptions timeline;
  timeline.format = sim::parse_timeline_format(a.timeline);
  timeline.dma_pieces = a.timeline_pieces;
  timeline.all_dependencies = a.timeline_all_deps;
  if (a.values_only) timeline.format = sim::TimelineFormat::kNone;  // nothing to draw
  const std::string trace_path =
      a.trace.empty() ? sim::data_path("traces/rmsnorm_128x2048_bf16.json") : a.trace;
  if (sim::is_pair_manifest(trace_path)) return run_pair(a, trace_path, timeline);
  ProgressBar bar("run: reading " + trace_path, progress_enabled(a.quiet || a.json));
  bar.update(kReading, kStages);
  isa::Program prog = isa::read_any_trace_file(trace_path);
  const sim::SessionOptions opts = session_options(a, trace_path);
  const sim::HwConfig cfg = sim::resolve_config(a.hw);
  bar.relabel("run: simulating " + std::to_string(prog.instructions.size()) + " instructions");
  bar.update(kSimulating, kStages);
  sim::Session s = sim::run_session(prog, cfg, opts);
  bar.relabel("run: writing " + a.out);
  bar.update(kWriting, kStages);
  sim::write_results(a.out, prog, s.result, s.config, s.stats, s.values.get(), a.all_tensors,
                     timeline);
  bar.finish();
  if (a.json) {
    sim::write_stats_json(std::cout, s.stats);
    std::cout << "\n";
  } else if (!a.quiet) {
    std::cout << prog.name << " on " << s.config.name << "\n" << sim::format_summary(s.stats)
              << "results: " << a.out << "\n"
              << timeline_line(a.out, timeline.format);
  }
  outlive_the_run(std::move(prog));
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run", "Simulate a trace (default: the built-in RMSNorm example) and write results");
  cmd->add_option("trace", args->trace, "trace file: JSON (format version 1) or binary (.trnb, isa/TRACE_BINARY.md), told apart by its first bytes; or a pair manifest naming one trace per core of an LNC=2 pair, run as two cores (isa/PAIR_TRACE.md)");
  cmd->add_option("--out,-o", args->out, "results folder")->capture_default_str();
  cmd->add_option("--input,-i", args->inputs, "NAME=FILE.npy[:DTYPE] for an HBM input tensor (DTYPE: declared dtype; raw bits for uint files)");
  cmd->add_option("--seed", args->seed, "seed of the random data for inputs not given");
  cmd->add_flag("--timing-only", args->timing_only, "timing only, no values (fast sweeps)");
  cmd->add_flag("--values-only", args->values_only, "values only, no timing");
  cmd->add_flag("--all-tensors", args->all_tensors, "write every HBM tensor, not only outputs");
  cmd->add_option("--timeline", args->timeline,
                  "timeline file: none, json (timeline.json) or json.gz (timeline.json.gz)")
      ->capture_default_str();
  cmd->add_flag("--timeline-pieces", args->timeline_pieces,
                "timeline: one slice per DMA piece (queue share) instead of per transfer");
  cmd->add_flag("--timeline-all-deps", args->timeline_all_deps,
                "timeline: a flow arrow per cross-engine dependency, not only the one that "
                "bound each instruction's start");
  cmd->add_flag("--quiet,-q", args->quiet, "print nothing on success");
  cmd->add_flag("--json", args->json, "print stats.json to stdout instead of the table");
  add_hw_options(*cmd, args->hw);
  cmd->callback([args] { run(*args); });
}

}  // namespace trnsim::cli
