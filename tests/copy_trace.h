// The smallest valid trace, shared by the hostile-input tests that mutate it: x [128, 64]
// (input) -> SBUF tile a -> y (output), two dma_copy instructions labelled load and store.
#pragma once

#include <nlohmann/json.hpp>

namespace trnsim::testing {

inline nlohmann::json copy_trace_json() {
  using nlohmann::json;
  return {{"format", "trnsim-trace"},
          {"version", 1},
          {"tensors",
           {{{"name", "x"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "input"}},
            {{"name", "y"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "output"}}}},
          {"tiles",
           {{{"name", "a"}, {"memory", "sbuf"}, {"partitions", 128}, {"shape", {64}},
             {"dtype", "float32"}}}},
          {"instructions",
           {{{"op", "dma_copy"}, {"dst", "a"}, {"src", "x"}, {"label", "load"}},
            {{"op", "dma_copy"}, {"dst", "y"}, {"src", "a"}, {"label", "store"}}}}};
}

}  // namespace trnsim::testing
