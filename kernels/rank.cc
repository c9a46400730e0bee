#include "kernels/rank.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "isa/error.h"
#include "isa/validate.h"
#include "kernels/harness.h"
#include "sim/stats/stats.h"

namespace trnsim::kernels {
namespace {

using nlohmann::json;

double tensor_peak_flops_per_ns(const sim::HwConfig& cfg, isa::DType dtype) {
  double peak = 2.0 * double(cfg.tensor.rows) * double(cfg.tensor.cols) * cfg.clocks.tensor_ghz;
  if (dtype == isa::DType::kFp32) peak /= double(std::max<int64_t>(1, cfg.tensor.fp32_pass_factor));
  return peak;
}

// Utilisation and bottleneck come from sim::compute_stats (the numbers stats.json reports; the
// DMA row is the time at least one queue was busy). fraction_of_peak uses the kernel's own FLOP
// count and the tensor-engine peak of the kernel's dtype (fp32 runs at 1/fp32_pass_factor).
void fill_timing(RankPoint& p, const isa::Program& prog, const sim::RunResult& run,
                 const sim::HwConfig& cfg, isa::DType dtype) {
  p.time_ns = run.total_ns;
  const sim::Stats s = sim::compute_stats(prog, run, cfg);
  for (int e = 0; e < isa::kNumEngines; ++e)
    p.utilisation[std::string(isa::engine_name(isa::Engine(e)))] = s.engines[e].utilisation;
  p.bottleneck = std::string(isa::engine_name(s.bottleneck));
  const double t = std::max(run.total_ns, 1e-9);
  // A config without a tensor engine or HBM bandwidth gives 0 (never inf: JSON has no inf).
  const double peak = tensor_peak_flops_per_ns(cfg, dtype);
  p.fraction_of_peak = peak > 0 ? p.flops / (t * peak) : 0;
  p.fraction_of_hbm =
      cfg.dma.hbm_bytes_per_ns > 0 ? p.min_hbm_bytes / (t * cfg.dma.hbm_bytes_per_ns) : 0;
}

json point_to_json(const RankPoint& p) {
  return json{{"index", p.index},
              {"variant", p.variant},
              {"params", p.params},
              {"status", p.status},
              {"message", p.message},
              {"time_ns", p.time_ns},
              {"max_rel_err", p.max_rel_err},
              {"rank", p.rank},
              {"speedup_vs_slowest", p.speedup_vs_slowest},
              {"speedup_vs_baseline", p.speedup_vs_baseline},
              {"utilisation", p.utilisation},
              {"bottleneck", p.bottleneck},
              {"flops", p.flops},
              {"min_hbm_bytes", p.min_hbm_bytes},
              {"fraction_of_peak", p.fraction_of_peak},
              {"fraction_of_hbm", p.fraction_of_hbm},
              {"instructions", p.instructions}};
}

RankPoint point_from_json(const json& j) {
  RankPoint p;
  p.index = j.at("index").get<int>();
  p.variant = j.at("variant").get<std::string>();
  p.params = j.at("params").get<Params>();
  p.status = j.at("status").get<std::string>();
  p.message = j.at("message").get<std::string>();
  p.time_ns = j.at("time_ns").get<double>();
  p.max_rel_err = j.at("max_rel_err").get<double>();
  p.rank = j.at("rank").get<int>();
  p.speedup_vs_slowest = j.at("speedup_vs_slowest").get<double>();
  p.speedup_vs_baseline = j.at("speedup_vs_baseline").get<double>();
  p.utilisation = j.at("utilisation").get<std::map<std::string, double>>();
  p.bottleneck = j.at("bottleneck").get<std::string>();
  p.flops = j.at("flops").get<double>();
  p.min_hbm_bytes = j.at("min_hbm_bytes").get<double>();
  p.fraction_of_peak = j.at("fraction_of_peak").get<double>();
  p.fraction_of_hbm = j.at("fraction_of_hbm").get<double>();
  p.instructions = j.at("instructions").get<int64_t>();
  return p;
}

// Runs run_point in a forked child; the child sends the point as JSON through a pipe.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  PointSpec spec;
};

Child start_child(const KernelDef& def, const RankRequest& req, const PointSpec& spec,
                  const sim::HwConfig& cfg, const TimingFn& timing) {
  int fds[2];
  if (pipe(fds) != 0) throw Error("rank: pipe() failed");
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw Error("rank: fork() failed");
  if (pid == 0) {
    close(fds[0]);
    std::string text;
    try {
      text = point_to_json(run_point(def, req, spec, cfg, timing)).dump();
    } catch (const std::exception& e) {
      RankPoint p;
      p.index = spec.index;
      p.variant = spec.variant;
      p.params = spec.params;
      p.status = "ERROR";
      p.message = e.what();
      text = point_to_json(p).dump();
    }
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = write(fds[1], text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  return Child{pid, fds[0], spec};
}

RankPoint finish_child(Child& c) {
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(c.fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  close(c.fd);
  int status = 0;
  waitpid(c.pid, &status, 0);
  if (!text.empty()) {
    try {
      return point_from_json(json::parse(text));
    } catch (const std::exception&) {
    }
  }
  RankPoint p;
  p.index = c.spec.index;
  p.variant = c.spec.variant;
  p.params = c.spec.params;
  p.status = "ERROR";
  p.message = "simulation process died (status " + std::to_string(status) + ")";
  return p;
}

std::string fmt(double v, int precision) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(precision) << v;
  return os.str();
}

}  // namespace

std::vector<PointSpec> enumerate_points(const KernelDef& def, const RankRequest& req) {
  std::vector<std::string> variants = req.variants;
  if (variants.empty())
    for (const VariantSpec& v : def.variants) variants.push_back(v.name);
  for (const std::string& v : variants)
    if (!def.has_variant(v)) {
      std::string known;
      for (const VariantSpec& s : def.variants) known += (known.empty() ? "" : ", ") + s.name;
      throw Error("rank " + def.name + ": unknown variant '" + v + "' (known: " + known + ")");
    }
  for (const auto& [name, values] : req.grid) {
    bool known = false;
    for (const ParamSpec& p : def.params) known |= p.name == name;
    if (!known) throw Error("rank " + def.name + ": --grid names unknown parameter '" + name + "'");
    if (values.empty()) throw Error("rank " + def.name + ": --grid " + name + " has no values");
  }
  std::vector<Params> combos = {req.shape};
  for (const auto& [name, values] : req.grid) {
    std::vector<Params> next;
    for (const Params& base : combos)
      for (int64_t v : values) {
        Params p = base;
        p[name] = v;
        next.push_back(p);
      }
    combos = std::move(next);
  }
  std::vector<PointSpec> out;
  for (const std::string& v : variants)
    for (const Params& p : combos) out.push_back({int(out.size()), v, p});
  return out;
}

RankPoint run_point(const KernelDef& def, const RankRequest& req, const PointSpec& spec,
                    const sim::HwConfig& cfg, const TimingFn& timing) {
  RankPoint p;
  p.index = spec.index;
  p.variant = spec.variant;
  p.params = spec.params;
  try {
    KernelConfig kc = resolve_config(def, spec.params, req.dtype);
    p.params = kc.params;
    p.flops = def.flops(kc);
    p.min_hbm_bytes = def.min_hbm_bytes(kc);
    isa::Program prog = def.build(kc, spec.variant);
    isa::validate(prog, cfg.memory.limits);
    p.instructions = int64_t(prog.instructions.size());
    if (req.check_values) {
      Tensors inputs = make_inputs(def, kc, req.seed);
      Tensors outputs = run_values(prog, cfg.memory.limits, inputs);
      CheckResult check = check_outputs(outputs, def.reference(kc, inputs), default_rtol(kc.dtype));
      p.max_rel_err = check.max_rel_err;
      if (!check.ok) {
        p.status = "FAIL";
        p.message = check.message;
        return p;
      }
    }
    fill_timing(p, prog, timing(prog, cfg), cfg, kc.dtype);
    p.status = "ok";
  } catch (const std::exception& e) {
    p.status = "ERROR";
    p.message = e.what();
  }
  return p;
}

RankReport rank_kernel(const RankRequest& req, const sim::HwConfig& cfg, const TimingFn& timing) {
  const KernelDef& def = find_kernel(req.kernel);
  if (req.shard_count < 1 || req.shard_index < 0 || req.shard_index >= req.shard_count)
    throw Error("rank: bad shard " + std::to_string(req.shard_index) + "/" +
                std::to_string(req.shard_count));
  RankReport report;
  report.kernel = def.name;
  report.dtype = std::string(isa::dtype_name(req.dtype));
  report.target = req.target;
  report.baseline = def.variants.at(0).name;
  report.shape = req.shape;
  report.shard_index = req.shard_index;
  report.shard_count = req.shard_count;
  std::vector<PointSpec> mine;
  for (const PointSpec& s : enumerate_points(def, req))
    if (s.index % req.shard_count == req.shard_index) mine.push_back(s);
  const size_t jobs = size_t(std::max(1, req.jobs));
  std::vector<Child> running;
  size_t next = 0;
  while (next < mine.size() || !running.empty()) {
    while (next < mine.size() && running.size() < jobs)
      running.push_back(start_child(def, req, mine[next++], cfg, timing));
    // Children are reaped in start order; each writes only a small JSON record.
    report.points.push_back(finish_child(running.front()));
    running.erase(running.begin());
    if (req.progress) req.progress(int64_t(report.points.size()), int64_t(mine.size()));
  }
  finalize_ranking(report);
  return report;
}

void finalize_ranking(RankReport& r) {
  std::stable_sort(r.points.begin(), r.points.end(), [](const RankPoint& a, const RankPoint& b) {
    const bool aok = a.status == "ok", bok = b.status == "ok";
    if (aok != bok) return aok;
    if (aok && a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
    return a.index < b.index;
  });
  double slowest = 0, baseline = 0;
  for (const RankPoint& p : r.points) {
    if (p.status != "ok") continue;
    slowest = std::max(slowest, p.time_ns);
    // Baseline: the baseline variant's first point (the slowest of them if several).
    if (p.variant == r.baseline) baseline = std::max(baseline, p.time_ns);
  }
  int rank = 0;
  for (RankPoint& p : r.points) {
    if (p.status != "ok") {
      p.rank = 0;
      p.speedup_vs_slowest = p.speedup_vs_baseline = 0;
      continue;
    }
    p.rank = ++rank;
    p.speedup_vs_slowest = p.time_ns > 0 ? slowest / p.time_ns : 0;
    p.speedup_vs_baseline = p.time_ns > 0 && baseline > 0 ? baseline / p.time_ns : 0;
  }
}

RankReport merge_reports(const std::vector<RankReport>& shards) {
  if (shards.empty()) throw Error("rank merge: no reports given");
  RankReport out = shards[0];
  out.points.clear();
  if (shards.size() > 1) {
    out.shard_index = 0;
    out.shard_count = 1;
  }
  std::map<int, bool> seen;
  for (const RankReport& s : shards) {
    if (s.kernel != out.kernel || s.dtype != out.dtype || s.target != out.target ||
        s.shape != out.shape || s.baseline != out.baseline || s.inputs != out.inputs ||
        s.reference != out.reference)
      throw Error("rank merge: shard " + std::to_string(s.shard_index) + "/" +
                  std::to_string(s.shard_count) + " is from a different sweep (" + s.kernel +
                  " " + s.dtype + " " + s.target + ")");
    for (const RankPoint& p : s.points) {
      if (seen[p.index]) throw Error("rank merge: point " + std::to_string(p.index) + " twice");
      seen[p.index] = true;
      out.points.push_back(p);
    }
  }
  finalize_ranking(out);
  return out;
}

json report_to_json(const RankReport& r) {
  json points = json::array();
  for (const RankPoint& p : r.points) points.push_back(point_to_json(p));
  return json{{"format", "trnsim-rank"},
              {"version", 1},
              {"kernel", r.kernel},
              {"dtype", r.dtype},
              {"target", r.target},
              {"baseline", r.baseline},
              {"shape", r.shape},
              {"inputs", r.inputs},
              {"reference", r.reference},
              {"shard", {r.shard_index, r.shard_count}},
              {"points", points}};
}

RankReport report_from_json(const json& j) {
  try {
    if (j.at("format") != "trnsim-rank") throw Error("not a trnsim-rank report");
    RankReport r;
    r.kernel = j.at("kernel").get<std::string>();
    r.dtype = j.at("dtype").get<std::string>();
    r.target = j.at("target").get<std::string>();
    r.baseline = j.at("baseline").get<std::string>();
    r.shape = j.at("shape").get<Params>();
    r.inputs = j.value("inputs", std::map<std::string, std::string>{});
    r.reference = j.value("reference", std::string());
    r.shard_index = j.at("shard").at(0).get<int>();
    r.shard_count = j.at("shard").at(1).get<int>();
    for (const json& p : j.at("points")) r.points.push_back(point_from_json(p));
    return r;
  } catch (const json::exception& e) {
    throw Error(std::string("rank report: ") + e.what());
  }
}

std::string report_to_csv(const RankReport& r) {
  std::ostringstream os;
  os << "rank,variant,params,status,time_ns,speedup_vs_slowest,speedup_vs_baseline,"
        "util_tensor,util_vector,util_scalar,util_gpsimd,util_dma,bottleneck,"
        "fraction_of_peak,fraction_of_hbm,max_rel_err,instructions\n";
  os << std::setprecision(9);
  for (const RankPoint& p : r.points) {
    auto u = [&](const char* e) {
      auto it = p.utilisation.find(e);
      return it == p.utilisation.end() ? 0.0 : it->second;
    };
    os << p.rank << "," << p.variant << ",\"" << params_to_string(p.params) << "\"," << p.status
       << "," << p.time_ns << "," << p.speedup_vs_slowest << "," << p.speedup_vs_baseline << ","
       << u("tensor") << "," << u("vector") << "," << u("scalar") << "," << u("gpsimd") << ","
       << u("dma") << "," << p.bottleneck << "," << p.fraction_of_peak << ","
       << p.fraction_of_hbm << "," << p.max_rel_err << "," << p.instructions << "\n";
  }
  return os.str();
}

std::string report_table(const RankReport& r) {
  std::ostringstream os;
  std::string problem = params_to_string(r.shape);
  for (const auto& [name, spec] : r.inputs)
    problem += (problem.empty() ? "" : " ") + name + "=" + spec;
  os << "rank " << r.kernel << " (" << r.dtype << ", " << r.target << ", " << problem
     << "), baseline " << r.baseline
     << (r.reference.empty() ? "" : ", reference " + r.reference) << "\n";
  os << std::left << std::setw(5) << "#" << std::setw(16) << "variant" << std::setw(28)
     << "params" << std::right << std::setw(12) << "time_us" << std::setw(9) << "x_slow"
     << std::setw(9) << "x_base" << std::setw(7) << "PE%" << std::setw(7) << "DVE%"
     << std::setw(7) << "ACT%" << std::setw(7) << "POOL%" << std::setw(7) << "DMA%"
     << "  " << std::left << std::setw(8) << "bound" << std::right << std::setw(7) << "peak%"
     << std::setw(7) << "hbm%" << "\n";
  auto pct = [&](const RankPoint& p, const char* e) {
    auto it = p.utilisation.find(e);
    return fmt(100.0 * (it == p.utilisation.end() ? 0.0 : it->second), 1);
  };
  for (const RankPoint& p : r.points) {
    // Only schedule parameters that differ from the shape are shown.
    Params shown;
    for (const auto& [k, v] : p.params)
      if (!r.shape.count(k)) shown[k] = v;
    os << std::left << std::setw(5) << (p.rank ? std::to_string(p.rank) : p.status)
       << std::setw(16) << p.variant << std::setw(28) << params_to_string(shown);
    if (p.status != "ok") {
      os << " " << p.message.substr(0, 100) << "\n";
      continue;
    }
    os << std::right << std::setw(12) << fmt(p.time_ns / 1000.0, 2) << std::setw(9)
       << fmt(p.speedup_vs_slowest, 2) << std::setw(9) << fmt(p.speedup_vs_baseline, 2)
       << std::setw(7) << pct(p, "tensor") << std::setw(7) << pct(p, "vector") << std::setw(7)
       << pct(p, "scalar") << std::setw(7) << pct(p, "gpsimd") << std::setw(7) << pct(p, "dma")
       << "  " << std::left << std::setw(8) << p.bottleneck << std::right << std::setw(7)
       << fmt(100 * p.fraction_of_peak, 1) << std::setw(7) << fmt(100 * p.fraction_of_hbm, 1)
       << "\n";
  }
  return os.str();
}

void write_report_files(const RankReport& r, const std::string& json_path,
                        const std::string& csv_path) {
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    if (!f) throw Error("rank: cannot write " + json_path);
    f << report_to_json(r).dump(2) << "\n";
  }
  if (!csv_path.empty()) {
    std::ofstream f(csv_path);
    if (!f) throw Error("rank: cannot write " + csv_path);
    f << report_to_csv(r);
  }
}

RankReport read_report_file(const std::string& json_path) {
  std::ifstream f(json_path);
  if (!f) throw Error("rank merge: cannot read " + json_path);
  try {
    return report_from_json(json::parse(f));
  } catch (const json::exception& e) {
    throw Error("rank merge: " + json_path + ": " + e.what());
  }
}

void parse_grid_item(const std::string& text, std::map<std::string, std::vector<int64_t>>* grid) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error("--grid '" + text + "': expected PARAM=v1,v2,...");
  std::vector<int64_t> values;
  std::stringstream ss(text.substr(eq + 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0')
      throw Error("--grid '" + text + "': '" + item + "' is not an integer");
    values.push_back(v);
  }
  (*grid)[text.substr(0, eq)] = values;
}

void parse_shard(const std::string& text, int* index, int* count) {
  auto slash = text.find('/');
  char* end1 = nullptr;
  char* end2 = nullptr;
  std::string a = text.substr(0, slash), b = slash == std::string::npos ? "" : text.substr(slash + 1);
  long i = std::strtol(a.c_str(), &end1, 10), n = std::strtol(b.c_str(), &end2, 10);
  if (slash == std::string::npos || a.empty() || b.empty() || *end1 || *end2 || n < 1 || i < 0 ||
      i >= n)
    throw Error("--shard '" + text + "': expected I/N with 0 <= I < N");
  *index = int(i);
  *count = int(n);
}

}  // namespace trnsim::kernels
