// A hand-made program, hardware config and timing result shared by the results tests
// (stats, timeline, summary, compare, results folder). Numbers are chosen so that every
// statistic can be computed by hand; the derivations are in results_stats_test.cc.
#pragma once

#include <nlohmann/json.hpp>

#include "isa/trace_json.h"
#include "sim/config/hw_config.h"
#include "sim/run_result.h"

namespace trnsim::sim::testing {

inline isa::Program results_test_program() {
  return isa::program_from_json(nlohmann::json::parse(R"({
    "format": "trnsim-trace", "version": 1, "name": "mm_exp",
    "tensors": [{"name": "x", "shape": [128, 512], "dtype": "bfloat16", "role": "input"},
                {"name": "w", "shape": [128, 128], "dtype": "bfloat16", "role": "input"},
                {"name": "y", "shape": [128, 512], "dtype": "float32", "role": "output"}],
    "tiles": [{"name": "xt", "memory": "sbuf", "partitions": 128, "shape": [512],
               "dtype": "bfloat16"},
              {"name": "wt", "memory": "sbuf", "partitions": 128, "shape": [128],
               "dtype": "bfloat16"},
              {"name": "ps", "memory": "psum", "partitions": 128, "shape": [512],
               "dtype": "float32"},
              {"name": "yt", "memory": "sbuf", "partitions": 128, "shape": [512],
               "dtype": "float32"}],
    "instructions": [
      {"op": "dma_copy", "dst": "xt", "src": "x", "label": "load x"},
      {"op": "dma_copy", "dst": "wt", "src": "w", "label": "load w"},
      {"op": "nc_matmul", "dst": "ps", "stationary": "wt", "moving": "xt"},
      {"op": "activation", "dst": "yt", "src": "ps", "func": "exp", "label": "exp"},
      {"op": "tensor_copy", "dst": "yt[:, 0:256]", "src": "yt[:, 256:512]"},
      {"op": "dma_copy", "dst": "y", "src": "yt", "label": "store y"}
    ]})"));
}

// Clocks 2 / 1 / 1.25 / 1 GHz, a 128x128 PE array, 4 DMA queues of 200 B/ns.
inline HwConfig results_test_config() {
  HwConfig c;
  c.name = "testhw";
  c.clocks.tensor_ghz = 2.0;
  c.clocks.vector_ghz = 1.0;
  c.clocks.scalar_ghz = 1.25;
  c.clocks.gpsimd_ghz = 1.0;
  c.tensor.rows = 128;
  c.tensor.cols = 128;
  c.dma.queues = 4;
  c.dma.queue_bytes_per_ns = 200;
  c.source = {{"name", "testhw"}, {"clocks", {{"tensor_ghz", 2.0}}}};
  return c;
}

inline InstrRecord record(int32_t index, isa::Engine e, int16_t queue, double start, double busy,
                          double end, double dep_wait, int64_t cycles, int64_t bytes = 0,
                          double flops = 0) {
  InstrRecord r;
  r.index = index;
  r.engine = e;
  r.queue = queue;
  r.start_ns = start;
  r.busy_ns = busy;
  r.end_ns = end;
  r.dep_wait_ns = dep_wait;
  r.cycles = cycles;
  r.bytes = bytes;
  r.flops = flops;
  return r;
}

// Total 1000 ns. DMA queue 0 busy [0,200) and [800,950), queue 1 busy [100,300).
inline RunResult results_test_run() {
  using isa::Engine;
  RunResult r;
  r.records = {
      record(0, Engine::kDma, 0, 0, 200, 250, 0, 200, 131072),
      record(1, Engine::kDma, 1, 100, 200, 320, 100, 200, 32768),
      record(2, Engine::kTensor, -1, 320, 256, 600, 320, 512, 0, 2.0 * 128 * 128 * 512),
      record(3, Engine::kScalar, -1, 650, 100, 760, 650, 125),
      record(4, Engine::kVector, -1, 760, 40, 800, 760, 40),
      record(5, Engine::kDma, 0, 800, 150, 1000, 600, 150, 262144),
  };
  r.cross_engine_edges = {{0, 2}, {1, 2}, {2, 3}, {3, 4}, {4, 5}};
  r.total_ns = 1000;
  return r;
}

}  // namespace trnsim::sim::testing
