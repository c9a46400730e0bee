// Roofline bounds: long streams of work reach the configured peaks (minus the documented
// efficiencies) and never exceed them.
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;

class RooflineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { cfg_ = load_target(GetParam()); }
  HwConfig cfg_;
};

double run_matmul_stream(const HwConfig& cfg, DType dt, int count, double* flops) {
  ProgramBuilder b("mm stream");
  std::vector<isa::BufferRef> st, mv;
  for (int k = 0; k < 2; ++k) st.push_back(b.tile("st" + std::to_string(k), Memory::kSbuf, 128,
                                                  {128}, dt));
  for (int k = 0; k < 4; ++k) mv.push_back(b.tile("mv" + std::to_string(k), Memory::kSbuf, 128,
                                                  {512}, dt));
  auto ps = b.tile("ps", Memory::kPsum, 128, {512});
  for (int i = 0; i < count; ++i) {
    b.matmul(b.whole(ps), b.whole(st[i % 2]), b.whole(mv[i % 4]), i > 0);
  }
  const RunResult r = testing::time_only(b.build(cfg), cfg);
  *flops = 0;
  for (const InstrRecord& rec : r.records) *flops += rec.flops;
  return r.total_ns;
}

TEST_P(RooflineTest, MatmulStreamReachesTensorPeak) {
  double flops = 0;
  const double ns = run_matmul_stream(cfg_, DType::kBf16, 2000, &flops);
  EXPECT_DOUBLE_EQ(flops, 2000 * 2.0 * 128 * 128 * 512);
  const double peak_flops_per_ns = cfg_.tensor.rows * cfg_.tensor.cols * 2 * cfg_.clocks.tensor_ghz;
  const double achieved = flops / ns;
  EXPECT_GE(achieved, 0.9 * peak_flops_per_ns);
  EXPECT_LE(achieved, peak_flops_per_ns * (1 + 1e-9));
}

TEST_P(RooflineTest, Fp32MatmulStreamReachesQuarterPeak) {
  double flops = 0;
  const double ns = run_matmul_stream(cfg_, DType::kFp32, 500, &flops);
  const double peak = cfg_.tensor.rows * cfg_.tensor.cols * 2 * cfg_.clocks.tensor_ghz / 4;
  EXPECT_GE(flops / ns, 0.9 * peak);
  EXPECT_LE(flops / ns, peak * (1 + 1e-9));
}

// 16 queues x `per_queue` stores of 1 MiB (8 KiB per partition) each from SBUF to HBM.
double run_dma_stream(const HwConfig& cfg, int per_queue, double* bytes) {
  ProgramBuilder b("dma stream");
  const int q = cfg.dma.queues;
  auto out = b.tensor("out", {128 * q * per_queue, 2048}, DType::kFp32,
                      isa::TensorRole::kOutput);
  std::vector<isa::BufferRef> tiles;
  for (int k = 0; k < q; ++k) {
    tiles.push_back(b.tile("t" + std::to_string(k), Memory::kSbuf, 128, {2048}));
  }
  for (int i = 0; i < q * per_queue; ++i) {
    b.dma(testing::slice(b.whole(out), 0, 128 * i, 128 * (i + 1)), b.whole(tiles[i % q]), i % q);
  }
  const RunResult r = testing::time_only(b.build(cfg), cfg);
  *bytes = 0;
  for (const InstrRecord& rec : r.records) *bytes += rec.bytes;
  return r.total_ns;
}

TEST_P(RooflineTest, LargeDmasReachDocumentedEfficiencyAndNeverExceedPeak) {
  double bytes = 0;
  const double ns = run_dma_stream(cfg_, 4, &bytes);
  const double peak = cfg_.dma.queues * cfg_.dma.queue_bytes_per_ns;
  // Large transfers (>= 4 KiB per partition) run at ~70% of peak (DMA guide).
  EXPECT_GE(bytes / ns, 0.95 * 0.7 * peak);
  EXPECT_LE(bytes / ns, 0.7 * peak);
}

// `count` loads of 1 MiB (8 KiB per partition) without a queue: each is spread over every
// queue (sim/dma/dma_queues.h).
double run_spread_dma_stream(const HwConfig& cfg, int count, double* bytes) {
  ProgramBuilder b("spread dma stream");
  auto in = b.tensor("in", {128 * count, 2048});
  std::vector<isa::BufferRef> tiles;
  for (int k = 0; k < 4; ++k) tiles.push_back(b.tile("t" + std::to_string(k), Memory::kSbuf,
                                                     128, {2048}));
  for (int i = 0; i < count; ++i) {
    b.dma(b.whole(tiles[i % 4]), testing::slice(b.whole(in), 0, 128 * i, 128 * (i + 1)));
  }
  const RunResult r = testing::time_only(b.build(cfg), cfg);
  EXPECT_EQ(r.dma_pieces.size(), size_t(count) * size_t(cfg.dma.queues));
  *bytes = 0;
  for (const InstrRecord& rec : r.records) *bytes += rec.bytes;
  return r.total_ns;
}

TEST_P(RooflineTest, LargeSpreadDmasReachTheWholeDmaEfficiencyAndNeverExceedPeak) {
  double bytes = 0;
  const double ns = run_spread_dma_stream(cfg_, 32, &bytes);
  const double peak = cfg_.dma.queues * cfg_.dma.queue_bytes_per_ns;
  EXPECT_GE(bytes / ns, 0.95 * 0.7 * peak);
  EXPECT_LE(bytes / ns, 0.7 * peak);
  EXPECT_LE(bytes / ns, cfg_.dma.hbm_bytes_per_ns * (1 + 1e-9));
}

TEST_P(RooflineTest, SharedHbmBandwidthCapsTheQueues) {
  const HwConfig slow = with_overrides(cfg_, {"dma.hbm_bytes_per_ns=50"});
  double bytes = 0;
  const double ns = run_dma_stream(slow, 2, &bytes);
  EXPECT_LE(bytes / ns, 50 * (1 + 1e-9));
  EXPECT_GE(bytes / ns, 0.95 * 50);
}

INSTANTIATE_TEST_SUITE_P(Targets, RooflineTest, ::testing::Values("trn1", "trn2", "trn3"));

}  // namespace
}  // namespace trnsim::sim
