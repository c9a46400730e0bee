// The stream variant of SwiGLU (decode MLP) moves its three weight matrices at >= 80% of the
// core's DMA streaming peak (queues x queue_bytes_per_ns x the saturated efficiency of the
// DMA curve, capped by the core's HBM share), for one token and for a small batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "isa/validate.h"
#include "kernels/registry.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"

namespace trnsim::kernels {
namespace {

double weight_gbps(const sim::HwConfig& hw, const std::string& variant, int64_t tokens) {
  const KernelDef& def = find_kernel("swiglu");
  const int64_t h = 2048, inter = 4096;
  const KernelConfig cfg = resolve_config(
      def, {{"tokens", tokens}, {"hidden", h}, {"inter", inter}}, isa::DType::kBf16);
  isa::Program prog = def.build(cfg, variant);
  isa::validate(prog, hw.memory.limits);
  const double ns = sim::simulate(prog, hw, sim::Mode::kTimingOnly, nullptr).total_ns;
  return 3.0 * 2 * h * inter / ns;  // bf16 bytes of wg, wu, wd per ns = GB/s
}

TEST(SwigluStream, DecodeMlpStreamsWeightsAtDmaPeak) {
  for (const char* target : {"trn1", "trn2", "trn3"}) {
    const sim::HwConfig hw = sim::load_target(target);
    const double queues = hw.dma.queues * hw.dma.queue_bytes_per_ns;
    const double peak =
        std::min(queues * hw.dma.efficiency_by_bytes.back().second, hw.dma.hbm_bytes_per_ns);
    const double stream = weight_gbps(hw, "stream", 1), fused = weight_gbps(hw, "fused", 1);
    std::printf("%s: swiglu stream %.1f GB/s, fused %.1f GB/s; streaming peak %.1f\n", target,
                stream, fused, peak);
    EXPECT_GE(stream, 0.8 * peak) << target;
    EXPECT_LE(stream, peak * 1.0001) << target;
    EXPECT_GE(weight_gbps(hw, "stream", 16), 0.8 * peak) << target << ", 16 tokens";
  }
}

}  // namespace
}  // namespace trnsim::kernels
