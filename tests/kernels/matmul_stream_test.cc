// The stream variant of matmul (decode GEMV) must move its weights at >= 80% of the core's
// DMA streaming peak: bytes of b / simulated time against queues x queue_bytes_per_ns x the
// saturated efficiency of the DMA curve (the DMA guide's "large DMAs reach close to 70% of
// peak"), capped by the core's HBM share. The raw queue peak is printed for the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "isa/validate.h"
#include "kernels/registry.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"

namespace trnsim::kernels {
namespace {

double weight_gbps(const std::string& target, const std::string& variant, int64_t bn,
                   int64_t m) {
  const sim::HwConfig hw = sim::load_target(target);
  const KernelDef& def = find_kernel("matmul");
  const KernelConfig cfg =
      resolve_config(def, {{"M", m}, {"N", 8192}, {"K", 2048}, {"bn", bn}}, isa::DType::kBf16);
  isa::Program prog = def.build(cfg, variant);
  isa::validate(prog, hw.memory.limits);
  const double ns = sim::simulate(prog, hw, sim::Mode::kTimingOnly, nullptr).total_ns;
  return 2.0 * 2048 * 8192 / ns;  // bf16 weight bytes per ns = GB/s
}

double streaming_peak(const sim::HwConfig& hw) {
  const double queues = hw.dma.queues * hw.dma.queue_bytes_per_ns;
  return std::min(queues * hw.dma.efficiency_by_bytes.back().second, hw.dma.hbm_bytes_per_ns);
}

TEST(MatmulStream, DecodeGemvStreamsWeightsAtDmaPeak) {
  for (const char* target : {"trn1", "trn2", "trn3"}) {
    const sim::HwConfig hw = sim::load_target(target);
    const double raw = hw.dma.queues * hw.dma.queue_bytes_per_ns;
    const double stream = weight_gbps(target, "stream", 4, 1);
    const double thin = weight_gbps(target, "thin", 2, 1);
    std::printf("%s: stream %.1f GB/s, thin(bn=2) %.1f GB/s; streaming peak %.1f, raw %.1f\n",
                target, stream, thin, streaming_peak(hw), raw);
    EXPECT_GE(stream, 0.8 * streaming_peak(hw)) << target;
    EXPECT_LE(stream, streaming_peak(hw) * 1.0001) << target;  // never beats the DMA model
  }
}

TEST(MatmulStream, SmallBatchStaysWeightBound) {
  // Eight sequences decode together: still one pass over the weights at DMA peak.
  const sim::HwConfig hw = sim::load_target("trn2");
  EXPECT_GE(weight_gbps("trn2", "stream", 4, 8), 0.8 * streaming_peak(hw));
}

}  // namespace
}  // namespace trnsim::kernels
