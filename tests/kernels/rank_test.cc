// Ranking: output schema, FAIL points never ranked, sharded sweeps merged equal the unsharded
// sweep. Timing comes from a deterministic stand-in (10 ns per instruction on its engine) so
// these tests check the ranking machinery, not the timing model.
#include "kernels/rank.h"

#include <gtest/gtest.h>

#include "isa/error.h"
#include "kernels/harness.h"

namespace trnsim::kernels {
namespace {

sim::RunResult fake_timing(const isa::Program& prog, const sim::HwConfig&) {
  sim::RunResult r;
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    sim::InstrRecord rec;
    rec.index = int32_t(i);
    rec.engine = prog.instructions[i].engine;
    if (rec.engine == isa::Engine::kDma) rec.queue = int16_t(i % 16);  // stats need a queue
    rec.start_ns = 10.0 * double(i);
    rec.end_ns = rec.start_ns + 10;
    rec.busy_ns = 10;
    r.records.push_back(rec);
  }
  r.total_ns = 10.0 * double(prog.instructions.size());
  return r;
}

sim::HwConfig fake_config() {
  sim::HwConfig c;
  c.name = "test";
  c.clocks.tensor_ghz = 1;
  c.memory.limits = trn1_limits();
  c.dma.queues = 16;
  c.dma.hbm_bytes_per_ns = 100;
  return c;
}

RankRequest matmul_request() {
  RankRequest req;
  req.kernel = "matmul";
  req.shape = {{"M", 130}, {"N", 600}, {"K", 200}};
  req.dtype = isa::DType::kBf16;
  req.variants = {"naive", "hoisted", "blocked"};
  req.grid["bn"] = {1, 2};
  return req;
}

TEST(Rank, EnumeratesVariantsTimesGrid) {
  RankRequest req = matmul_request();
  auto pts = enumerate_points(find_kernel("matmul"), req);
  ASSERT_EQ(pts.size(), 6u);
  EXPECT_EQ(pts[0].variant, "naive");
  EXPECT_EQ(pts[0].params.at("bn"), 1);
  EXPECT_EQ(pts[1].params.at("bn"), 2);
  EXPECT_EQ(pts[5].variant, "blocked");
  req.variants = {"nope"};
  EXPECT_THROW(enumerate_points(find_kernel("matmul"), req), Error);
  req.variants = {};
  req.grid["zzz"] = {1};
  EXPECT_THROW(enumerate_points(find_kernel("matmul"), req), Error);
}

TEST(Rank, RanksAndWritesTheDocumentedSchema) {
  RankRequest req = matmul_request();
  req.jobs = 2;
  RankReport r = rank_kernel(req, fake_config(), fake_timing);
  ASSERT_EQ(r.points.size(), 6u);
  EXPECT_EQ(r.baseline, "naive");
  for (size_t i = 0; i < r.points.size(); ++i) {
    SCOPED_TRACE(r.points[i].variant + " " + r.points[i].message);
    EXPECT_EQ(r.points[i].status, "ok");
    EXPECT_EQ(r.points[i].rank, int(i) + 1);
    if (i) {
      EXPECT_LE(r.points[i - 1].time_ns, r.points[i].time_ns);
    }
  }
  EXPECT_DOUBLE_EQ(r.points.back().speedup_vs_slowest, 1.0);
  EXPECT_GE(r.points.front().speedup_vs_slowest, 1.0);
  nlohmann::json j = report_to_json(r);
  for (const char* key : {"format", "version", "kernel", "dtype", "target", "baseline", "shape",
                          "shard", "points"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"index", "variant", "params", "status", "time_ns", "rank",
                          "speedup_vs_slowest", "speedup_vs_baseline", "utilisation",
                          "bottleneck", "fraction_of_peak", "fraction_of_hbm"})
    EXPECT_TRUE(j["points"][0].contains(key)) << key;
  EXPECT_EQ(report_to_json(report_from_json(j)), j);
  std::string csv = report_to_csv(r);
  EXPECT_EQ(csv.substr(0, 20), "rank,variant,params,");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  EXPECT_NE(report_table(r).find("hoisted"), std::string::npos);
}

TEST(Rank, ShardedSweepsMergeToTheUnshardedSweep) {
  RankRequest req = matmul_request();
  RankReport whole = rank_kernel(req, fake_config(), fake_timing);
  std::vector<RankReport> shards;
  for (int i = 0; i < 3; ++i) {
    req.shard_index = i;
    req.shard_count = 3;
    shards.push_back(report_from_json(report_to_json(rank_kernel(req, fake_config(), fake_timing))));
    EXPECT_EQ(shards.back().points.size(), 2u);
  }
  RankReport merged = merge_reports(shards);
  EXPECT_EQ(report_to_json(merged), report_to_json(whole));
  shards.push_back(shards[0]);
  EXPECT_THROW(merge_reports(shards), Error);
}

TEST(Rank, NkiInputsAndReferenceRoundTripAndMustAgreeInMerge) {
  RankRequest req = matmul_request();
  RankReport r = rank_kernel(req, fake_config(), fake_timing);
  r.inputs = {{"lhsT", "128x128:bfloat16"}, {"rhs", "128x512:bfloat16"}};
  r.reference = "reference.py::forward";
  const RankReport back = report_from_json(report_to_json(r));
  EXPECT_EQ(back.inputs, r.inputs);
  EXPECT_EQ(back.reference, r.reference);
  EXPECT_NE(report_table(r).find("lhsT=128x128:bfloat16 rhs=128x512:bfloat16"),
            std::string::npos)
      << report_table(r);
  EXPECT_NE(report_table(r).find("reference reference.py::forward"), std::string::npos);
  RankReport other = r;
  other.inputs["rhs"] = "128x1024:bfloat16";
  for (RankPoint& p : other.points) p.index += 100;
  EXPECT_THROW(merge_reports({r, other}), Error);
  other = r;
  other.reference = "other.py::forward";
  for (RankPoint& p : other.points) p.index += 100;
  EXPECT_THROW(merge_reports({r, other}), Error);
}

TEST(Rank, ReportsWithoutNkiFieldsStillRead) {
  nlohmann::json j = report_to_json(rank_kernel(matmul_request(), fake_config(), fake_timing));
  j.erase("inputs");
  j.erase("reference");
  const RankReport r = report_from_json(j);
  EXPECT_TRUE(r.inputs.empty());
  EXPECT_TRUE(r.reference.empty());
}

TEST(Rank, MergingOneShardKeepsItsShardAndRanksIt) {
  RankRequest req = matmul_request();
  req.shard_index = 1;
  req.shard_count = 3;
  RankReport shard = rank_kernel(req, fake_config(), fake_timing);
  for (RankPoint& p : shard.points) p.rank = 0;  // as the NKI sweep writes it: unranked
  const RankReport merged = merge_reports({shard});
  EXPECT_EQ(merged.shard_index, 1);
  EXPECT_EQ(merged.shard_count, 3);
  ASSERT_FALSE(merged.points.empty());
  EXPECT_EQ(merged.points.front().rank, 1);
}

TEST(Rank, WrongValuesAreFailAndNeverRanked) {
  KernelDef bad = find_kernel("silu");
  bad.reference = [](const KernelConfig&, const Tensors& in) {
    return Tensors{{"y", in.at("x")}};  // identity: not silu
  };
  RankRequest req;
  req.kernel = "silu";
  req.shape = {{"rows", 128}, {"cols", 256}};
  PointSpec spec{0, "silu", req.shape};
  RankPoint p = run_point(bad, req, spec, fake_config(), fake_timing);
  EXPECT_EQ(p.status, "FAIL");
  RankPoint good = run_point(find_kernel("silu"), req, spec, fake_config(), fake_timing);
  EXPECT_EQ(good.status, "ok") << good.message;
  RankReport r;
  r.baseline = "silu";
  p.index = 1;
  p.time_ns = 1;  // faster than the good point, but wrong
  r.points = {p, good};
  finalize_ranking(r);
  EXPECT_EQ(r.points[0].status, "ok");
  EXPECT_EQ(r.points[0].rank, 1);
  EXPECT_EQ(r.points[1].rank, 0);
}

TEST(Rank, ParsesGridAndShard) {
  std::map<std::string, std::vector<int64_t>> g;
  parse_grid_item("bm=1,2,4", &g);
  EXPECT_EQ(g["bm"], (std::vector<int64_t>{1, 2, 4}));
  EXPECT_THROW(parse_grid_item("bm=", &g), Error);
  EXPECT_THROW(parse_grid_item("bm=1,x", &g), Error);
  int i = 0, n = 0;
  parse_shard("1/4", &i, &n);
  EXPECT_EQ(i, 1);
  EXPECT_EQ(n, 4);
  EXPECT_THROW(parse_shard("4/4", &i, &n), Error);
  EXPECT_THROW(parse_shard("a/b", &i, &n), Error);
}

}  // namespace
}  // namespace trnsim::kernels
