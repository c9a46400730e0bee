// `trnsim rank KERNEL ...` ranks a kernel's schedule variants and parameter points;
// `trnsim rank FILE.py::F1,F2 ...` does the same for an author's NKI kernels (the sweep runs in
// the Python front end, trnsim_nki.rank, which this command execs with the options it parsed);
// `trnsim rank merge` joins sharded sweeps; `trnsim kernels` lists the kernel library;
// `trnsim kernel-trace` writes one kernel variant as a JSON trace.
#include <filesystem>
#include <iostream>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "kernels/rank.h"
#include "kernels/registry.h"
#include "sim/cli/commands.h"
#include "sim/cli/hw_options.h"
#include "sim/cli/progress.h"
#include "sim/cli/python_front_end.h"

namespace trnsim::cli {
namespace {

struct RankArgs {
  std::string kernel, dtype, variants, shard, out = "results/rank";
  std::vector<std::string> shapes, grid;
  // NKI sweeps only (FILE.py::F1,F2).
  std::string ref, tolerance, executor, scheduler, python;
  std::vector<std::string> inputs;
  int jobs = 1;
  bool no_check = false, quiet = false;
  uint64_t seed = 1;
  sim::HwSelection hw;
};

isa::DType dtype_or_default(const std::string& text, const kernels::KernelDef& def) {
  if (text.empty()) return def.dtypes.at(0);
  isa::DType t;
  if (!isa::parse_dtype(text, &t)) throw Error("--dtype: unknown dtype '" + text + "'");
  return t;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void write_report(const kernels::RankReport& report, const std::string& out_dir, bool quiet) {
  std::filesystem::create_directories(out_dir);
  kernels::write_report_files(report, out_dir + "/rank.json", out_dir + "/rank.csv");
  if (quiet) return;
  std::cout << kernels::report_table(report) << "written: " << out_dir << "/rank.json, "
            << out_dir << "/rank.csv (plot: scripts/plot_rank.py " << out_dir << "/rank.json)\n";
}

// A sweep where no point produced a time is an error (exit code 2), not a table of ERROR rows.
void fail_if_nothing_ranked(const kernels::RankReport& report) {
  for (const kernels::RankPoint& p : report.points)
    if (p.status == "ok") return;
  if (report.points.empty()) return;  // an empty shard of a larger sweep
  const kernels::RankPoint& first = report.points.front();
  throw Error("rank " + report.kernel + ": no point ran (" + first.variant + ": " + first.status +
              " " + first.message + ")");
}

bool is_nki_spec(const std::string& kernel) { return kernel.find("::") != std::string::npos; }

// The command line of `python3 -m trnsim_nki.rank` for the options given here.
std::vector<std::string> nki_rank_args(const RankArgs& a) {
  if (!a.dtype.empty() || !a.variants.empty())
    throw Error("rank " + a.kernel + ": --dtype and --variants are for library kernels; name "
                "NKI variants as FILE.py::F1,F2 and dtypes as --shape NAME=RxC:DTYPE");
  std::vector<std::string> args = {a.kernel, "--out", a.out, "--jobs", std::to_string(a.jobs),
                                   "--seed", std::to_string(a.seed), "--target", a.hw.target};
  auto add = [&args](const char* flag, const std::string& value) {
    if (!value.empty()) args.insert(args.end(), {flag, value});
  };
  add("--ref", a.ref);
  add("--tolerance", a.tolerance);
  add("--executor", a.executor);
  add("--scheduler", a.scheduler);
  add("--shard", a.shard);
  add("--hw", a.hw.hw_file);
  for (const std::string& s : a.shapes) add("--shape", s);
  for (const std::string& s : a.inputs) add("--input", s);
  for (const std::string& s : a.grid) add("--grid", s);
  for (const std::string& s : a.hw.sets) add("--set", s);
  if (a.no_check) args.push_back("--no-check");
  if (a.quiet) args.push_back("--quiet");
  return args;
}

void reject_nki_options(const RankArgs& a) {
  if (!a.ref.empty() || !a.tolerance.empty() || !a.executor.empty() || !a.scheduler.empty() ||
      !a.inputs.empty() || !a.python.empty())
    throw Error("rank " + a.kernel + ": --ref, --tolerance, --input, --executor, --scheduler "
                "and --python are for NKI kernels (FILE.py::F1,F2), not library kernels");
}

void run_rank(const RankArgs& a) {
  if (a.kernel.empty()) throw Error("rank: name a kernel (see `trnsim kernels`)");
  if (is_nki_spec(a.kernel))
    exec_python_module(choose_python(a.python), "trnsim_nki.rank", nki_rank_args(a));
  reject_nki_options(a);
  const kernels::KernelDef& def = kernels::find_kernel(a.kernel);
  kernels::RankRequest req;
  req.kernel = a.kernel;
  std::string shape;  // repeated --shape options join into one parameter list
  for (const std::string& s : a.shapes) shape += (shape.empty() ? "" : ",") + s;
  req.shape = kernels::parse_params(shape);
  req.dtype = dtype_or_default(a.dtype, def);
  req.target = a.hw.hw_file.empty() ? a.hw.target : a.hw.hw_file;
  req.variants = split_commas(a.variants);
  for (const std::string& g : a.grid) kernels::parse_grid_item(g, &req.grid);
  req.jobs = a.jobs;
  if (!a.shard.empty()) kernels::parse_shard(a.shard, &req.shard_index, &req.shard_count);
  req.check_values = !a.no_check;
  req.seed = a.seed;
  ProgressBar bar("rank " + a.kernel, progress_enabled(a.quiet));
  req.progress = bar.callback();
  const kernels::RankReport report =
      kernels::rank_kernel(req, sim::resolve_config(a.hw), kernels::simulator_timing());
  bar.finish();
  write_report(report, a.out, a.quiet);
  fail_if_nothing_ranked(report);
}

void list_kernels() {
  for (const kernels::KernelDef& def : kernels::all_kernels()) {
    std::cout << def.name << ": " << def.summary << "\n  variants:";
    for (const auto& v : def.variants) std::cout << " " << v.name;
    std::cout << "\n  params:";
    for (const auto& p : def.params)
      std::cout << " " << p.name << "=" << p.default_value << (p.schedule ? "(schedule)" : "");
    std::cout << "\n  dtypes:";
    for (isa::DType t : def.dtypes) std::cout << " " << isa::dtype_name(t);
    std::cout << "\n";
  }
}

}  // namespace

void add_rank_command(CLI::App& app) {
  auto a = std::make_shared<RankArgs>();
  auto* cmd = app.add_subcommand("rank", "Rank a kernel's schedule variants by simulated time");
  cmd->add_option("kernel", a->kernel,
                  "kernel name (see `trnsim kernels`), or FILE.py::F1,F2: NKI kernel variants");
  cmd->add_option("--shape,-s", a->shapes,
                  "problem parameters, e.g. m=512,k=2048,n=1024; for NKI kernels one seeded "
                  "random input per option: NAME=RxC[:DTYPE] (repeatable)");
  cmd->add_option("--dtype,-d", a->dtype, "HBM dtype of activations/weights");
  cmd->add_option("--variants", a->variants, "comma-separated variants (default: all)");
  cmd->add_option("--grid,-g", a->grid,
                  "PARAM=v1,v2,... sweep a parameter (repeatable; NKI: a keyword argument)");
  cmd->add_option("--jobs,-j", a->jobs, "points simulated in parallel (one process each)");
  cmd->add_option("--shard", a->shard, "I/N: run slice I (0-based) of N of the sweep");
  cmd->add_option("--out,-o", a->out, "folder for rank.json and rank.csv")->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed of the input data for the values check");
  cmd->add_flag("--no-check", a->no_check, "skip the values check against the reference");
  cmd->add_flag("--quiet,-q", a->quiet, "print nothing on success (no table, no progress bar)");
  cmd->add_option("--ref", a->ref, "NKI: numpy reference REF.py::FUNC (float64 inputs)");
  cmd->add_option("--input,-i", a->inputs, "NKI: input NAME=FILE.npy[:DTYPE] (repeatable)");
  cmd->add_option("--tolerance", a->tolerance,
                  "NKI: relative tolerance of the values check (default by dtype)");
  cmd->add_option("--executor", a->executor, "NKI: local (default, --jobs processes) or dask");
  cmd->add_option("--scheduler", a->scheduler, "NKI: Dask scheduler address tcp://HOST:PORT");
  cmd->add_option("--python", a->python, "NKI: the interpreter (default: python3 with numpy)");
  add_hw_options(*cmd, a->hw);
  cmd->require_subcommand(0, 1);

  auto files = std::make_shared<std::vector<std::string>>();
  auto merge_out = std::make_shared<std::string>("results/rank");
  auto merge_quiet = std::make_shared<bool>(false);
  auto* merge = cmd->add_subcommand("merge", "Join the rank.json files of sharded sweeps");
  merge->add_option("files", *files, "rank.json of every shard")->required();
  merge->add_option("--out,-o", *merge_out, "folder for the merged rank.json/csv");
  merge->add_flag("--quiet,-q", *merge_quiet, "print no table");
  merge->callback([files, merge_out, merge_quiet] {
    std::vector<kernels::RankReport> shards;
    for (const auto& f : *files) shards.push_back(kernels::read_report_file(f));
    write_report(kernels::merge_reports(shards), *merge_out, *merge_quiet);
  });
  cmd->callback([cmd, a] {
    if (cmd->got_subcommand("merge")) return;
    run_rank(*a);
  });

  auto* list = app.add_subcommand("kernels", "List the kernel library (variants, parameters)");
  list->callback([] { list_kernels(); });

  struct TraceArgs {
    std::string kernel, shape, dtype, variant, out;
  };
  auto t = std::make_shared<TraceArgs>();
  auto* export_cmd = app.add_subcommand("kernel-trace", "Write a kernel variant as a JSON trace");
  export_cmd->add_option("kernel", t->kernel, "kernel name")->required();
  export_cmd->add_option("--shape,-s", t->shape, "problem and schedule parameters");
  export_cmd->add_option("--dtype,-d", t->dtype, "HBM dtype");
  export_cmd->add_option("--variant", t->variant, "variant (default: the baseline)");
  export_cmd->add_option("--out,-o", t->out, "trace file to write")->required();
  export_cmd->callback([t] {
    const kernels::KernelDef& def = kernels::find_kernel(t->kernel);
    const std::string variant = t->variant.empty() ? def.variants.at(0).name : t->variant;
    if (!def.has_variant(variant)) throw Error("kernel-trace: unknown variant '" + variant + "'");
    const kernels::KernelConfig cfg = kernels::resolve_config(
        def, kernels::parse_params(t->shape), dtype_or_default(t->dtype, def));
    isa::write_trace_file(def.build(cfg, variant), t->out);
  });
}

}  // namespace trnsim::cli
