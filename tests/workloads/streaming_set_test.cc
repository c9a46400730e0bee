// The shipped `streaming` kernel set: decode projections, lm_head and MLPs on the stream
// variants, and a decode step that is faster than the optimised set's (weights at DMA peak).
#include <gtest/gtest.h>

#include "sim/config/hw_config.h"
#include "workloads/kernel_set.h"
#include "workloads/model_cli.h"
#include "workloads/model_timing.h"

namespace trnsim::workloads {
namespace {

TEST(StreamingSet, DecodeWeightsUseTheStreamVariants) {
  const KernelSet s = load_kernel_set("streaming");
  for (const char* role : {"qkv_proj", "o_proj", "lm_head", "mlp", "expert_mlp"})
    EXPECT_EQ(s.choice(role, Phase::kDecode).variant, "stream") << role;
  EXPECT_EQ(s.choice("qkv_proj", Phase::kPrefill).variant, "blocked");
}

TEST(StreamingSet, LlamaDecodeLayerIsFasterThanTheOptimisedSet) {
  ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  c.num_layers = 1;
  const sim::HwConfig hw = sim::load_target("trn1");
  const KernelSet opt = load_kernel_set("optimised"), str = load_kernel_set("streaming");
  OpTimer to(hw, opt), ts(hw, str);
  RunShape rs;
  rs.prompt_len = 16;
  rs.gen = 1;
  const double t_opt = time_phase(c, rs, Phase::kDecode, 17, to).layer_ns();
  const double t_str = time_phase(c, rs, Phase::kDecode, 17, ts).layer_ns();
  EXPECT_LT(t_str, t_opt);
  // A decode layer is one pass over its bf16 weights (projections and MLP, ~122 MB): with the
  // stream variants it moves them at most of the DMA streaming peak (queues x queue bandwidth x
  // large-transfer efficiency); the rest of the layer (attention, norms) is small beside it.
  const double h = double(c.hidden_size);
  const double weight_bytes =
      2 * (h * (c.q_size() + 2 * c.kv_size()) + c.q_size() * h + 3 * h * c.intermediate_size);
  const double peak = hw.dma.queues * hw.dma.queue_bytes_per_ns *
                      hw.dma.efficiency_by_bytes.back().second;
  EXPECT_GE(weight_bytes / t_str, 0.75 * peak) << weight_bytes / t_str << " GB/s of " << peak;
}

}  // namespace
}  // namespace trnsim::workloads
