// `trnsim rank`: runs every variant and grid point of one kernel, checks each point's values
// against the kernel's float64 reference (a point with wrong values is FAIL and never ranked),
// times it, and ranks the passing points by simulated time. Reports speedup over the slowest
// and over the baseline variant, per-engine utilisation, the bottleneck engine and fractions
// of the tensor-engine peak and of HBM bandwidth. JSON and CSV writers; sharded sweeps are
// joined by merge_reports.
// Status of a point: "ok", "FAIL" (wrong values), "ERROR" (build/validate/sim) or "SKIP" (an
// NKI kernel rejected its arguments with an assert); only "ok" points are ranked.
//
// Every point runs in its own forked process (SystemC has one kernel per process, so two
// simulations never share one); --jobs N keeps up to N children running.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/program.h"
#include "kernels/registry.h"
#include "sim/config/hw_config.h"
#include "sim/run_result.h"

namespace trnsim::kernels {

// Times one validated program on one hardware config (normally sim::simulate, timing only).
using TimingFn = std::function<sim::RunResult(const isa::Program&, const sim::HwConfig&)>;

// The simulator's timing plane (sim::simulate, timing only).
TimingFn simulator_timing();

struct RankRequest {
  std::string kernel;
  Params shape;                                  // problem parameters (--shape)
  isa::DType dtype = isa::DType::kFp32;
  std::string target = "trn1";                   // recorded in the report
  std::vector<std::string> variants;             // empty = all
  std::map<std::string, std::vector<int64_t>> grid;  // PARAM -> values (--grid)
  int jobs = 1;
  int shard_index = 0, shard_count = 1;          // --shard I/N (0-based I)
  bool check_values = true;
  uint64_t seed = 1;
  std::function<void(int64_t, int64_t)> progress;  // (points done, points) after each; may be empty
};

struct RankPoint {
  int index = 0;                  // position in the full (unsharded) enumeration
  std::string variant;
  Params params;                  // resolved: defaults, shape and grid values
  std::string status;             // "ok", "FAIL" (wrong values) or "ERROR" (build/validate/sim)
  std::string message;
  double time_ns = 0;
  double max_rel_err = 0;
  int rank = 0;                   // 1 = fastest; 0 for FAIL/ERROR points
  double speedup_vs_slowest = 0, speedup_vs_baseline = 0;
  std::map<std::string, double> utilisation;  // engine name -> busy fraction
  std::string bottleneck;
  double flops = 0, min_hbm_bytes = 0;
  double fraction_of_peak = 0;     // flops / (time * tensor-engine peak for the dtype)
  double fraction_of_hbm = 0;      // min_hbm_bytes / (time * HBM bandwidth)
  int64_t instructions = 0;
};

struct RankReport {
  std::string kernel, dtype, target, baseline;
  Params shape;
  // NKI sweeps (trnsim_nki.rank): the kernel inputs ("lhsT" -> "512x1024:bfloat16") and the
  // numpy reference ("ref.py::forward"); empty for the kernel library.
  std::map<std::string, std::string> inputs;
  std::string reference;
  int shard_index = 0, shard_count = 1;
  std::vector<RankPoint> points;  // ranked points first (fastest first), then FAIL/ERROR
};

struct PointSpec {
  int index = 0;
  std::string variant;
  Params params;  // shape + grid values (not yet defaulted)
};
// Variants x cartesian product of the grid, in a fixed order; validates names.
std::vector<PointSpec> enumerate_points(const KernelDef& def, const RankRequest& req);

// Runs one point in the current process (build, validate, values check, timing).
RankPoint run_point(const KernelDef& def, const RankRequest& req, const PointSpec& spec,
                    const sim::HwConfig& cfg, const TimingFn& timing);

// Runs this shard's points (each in a forked child) and ranks them.
RankReport rank_kernel(const RankRequest& req, const sim::HwConfig& cfg, const TimingFn& timing);

// Sorts and computes ranks and speedups (idempotent).
void finalize_ranking(RankReport& r);
// Joins shards of one sweep; throws trnsim::Error if they differ in kernel/dtype/target/shape/
// inputs/reference. One report alone keeps its shard (it is re-ranked, not completed).
RankReport merge_reports(const std::vector<RankReport>& shards);

nlohmann::json report_to_json(const RankReport& r);
RankReport report_from_json(const nlohmann::json& j);
std::string report_to_csv(const RankReport& r);
std::string report_table(const RankReport& r);  // the terminal table
void write_report_files(const RankReport& r, const std::string& json_path,
                        const std::string& csv_path);
RankReport read_report_file(const std::string& json_path);

// "PARAM=v1,v2,..." -> grid entry; throws trnsim::Error.
void parse_grid_item(const std::string& text, std::map<std::string, std::vector<int64_t>>* grid);
// "I/N" -> shard (0 <= I < N); throws trnsim::Error.
void parse_shard(const std::string& text, int* index, int* count);

}  // namespace trnsim::kernels
