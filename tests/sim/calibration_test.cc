// The calibration measurement of shared/hardware/NEURONCORE.md: LayerNorm over [4096, 8192] fp32
// on trn1, statistics by reductions (measured p50 2311 us) versus by bn_stats/bn_aggr (measured
// p50 1969 us). The simulator must rank them the same way. The traces come from the kernel
// library (scripts/make_calibration_traces.sh). Times are printed, not tuned: costs follow the
// documented rules only.
// The kernel library pins its DMAs to queues 0..3 ("queue" attribute); NKI code cannot choose
// queues and gets the default spreading over all 16, so each trace also runs with its queue
// attributes removed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"

namespace trnsim::sim {
namespace {

constexpr double kMeasuredReductionsUs = 2311;
constexpr double kMeasuredBnStatsUs = 1969;

isa::Program load(const std::string& variant, bool spread, const HwConfig& cfg) {
  isa::Program p = isa::read_trace_file(std::string(TRNSIM_SOURCE_DIR) +
                                        "/traces/layernorm_4096x8192_fp32_" + variant + ".json");
  if (spread) {
    for (isa::Instruction& ins : p.instructions) {
      const int slot = isa::info(ins.op).attr_index("queue");
      if (slot >= 0) ins.attrs[slot].present = false;
    }
  }
  isa::validate(p, cfg.memory.limits);
  return p;
}

double simulated_us(const std::string& variant, bool spread, const HwConfig& cfg) {
  const isa::Program p = load(variant, spread, cfg);
  return simulate(p, cfg, Mode::kTimingOnly, nullptr).total_ns / 1e3;
}

TEST(Calibration, LayerNormBnStatsIsFasterThanReductionsOnTrn1) {
  const HwConfig cfg = load_target("trn1");
  for (bool spread : {false, true}) {
    const double reductions = simulated_us("reductions", spread, cfg);
    const double bn_stats = simulated_us("bn_stats", spread, cfg);
    std::printf("[calibration] layernorm 4096x8192 fp32 trn1 (%s): reductions %.1f us "
                "(measured %.0f), bn_stats %.1f us (measured %.0f); bn_stats %.1f%% faster "
                "(measured %.1f%%)\n",
                spread ? "DMAs spread over all queues" : "DMA queues as in the trace",
                reductions, kMeasuredReductionsUs, bn_stats, kMeasuredBnStatsUs,
                100 * (1 - bn_stats / reductions),
                100 * (1 - kMeasuredBnStatsUs / kMeasuredReductionsUs));
    EXPECT_LT(bn_stats, reductions) << (spread ? "spread" : "as traced");
  }
}

}  // namespace
}  // namespace trnsim::sim
