// Hardware configuration of one NeuronCore generation: clocks, engine cost parameters, memory
// limits, DMA and synchronisation numbers. Numbers live in sim/configs/<target>.json; this
// struct only names them. Loading is strict: unknown keys and missing keys are errors, and
// `--set key.path=value` overrides go through the same validation.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/core_limits.h"
#include "isa/opcodes.h"

namespace trnsim::sim {

struct ClockSpec {
  double tensor_ghz = 0, vector_ghz = 0, scalar_ghz = 0, gpsimd_ghz = 0;
  double ghz(isa::Engine e) const;  // DMA has no clock: returns 1 (cycles == ns)
};

struct TensorEngineSpec {
  int64_t rows = 128, cols = 128;            // PE array
  int64_t min_moving_cycles = 64;            // the min(64, N_stationary) floor of a matmul pass
  int64_t fp32_pass_factor = 4;              // fp32 operands take this many passes
  int64_t first_latency_cycles = 64;         // latency from issue to first result in PSUM
  int64_t stationary_load_speedup = 4;       // background stationary load vs moving pass
  double transpose_fp32_speedup = 1;         // fp32 transpose path speed-up (trn2: 2)
};

struct StreamEngineSpec {  // vector, scalar and gpsimd engines
  int64_t min_ii_cycles = 64;                // minimum initiation interval of one instruction
  int64_t static_overhead_cycles = 100;      // dependent / back-to-back instruction overhead
  double elements_per_cycle = 1;             // per partition, one input stream
  double two_input_factor = 2;               // tensor_tensor-class streams
  double bn_aggr_cycles_per_elem = 13.0 / 3.0;
  double reciprocal_cycles_per_elem = 8;
  int64_t gpsimd_index_base_cycles = 150;
};

struct MemorySpec {
  isa::CoreLimits limits;
  int64_t access_overhead_cycles = 60;       // static cost of one SBUF/PSUM access request
  int64_t stride_penalty_bytes = 16;         // innermost stride above this halves bandwidth
  double stride_penalty_factor = 2;
};

struct DmaSpec {
  int queues = 16;
  double queue_bytes_per_ns = 17;            // per DMA engine
  double hbm_bytes_per_ns = 410;             // shared by all queues of the core
  double fixed_ns = 0;                       // per-transfer fixed cost
  // Efficiency by bytes per partition (descriptor size): piecewise linear through these points.
  std::vector<std::pair<double, double>> efficiency_by_bytes;
  double transpose_efficiency = 0.9;
};

struct SyncSpec {
  double cross_engine_ns = 0;                // consumer on another engine waits this after producer
  double dma_trigger_ns = 0;                 // compute engine -> DMA start (semaphore to DMA)
};

struct HwConfig {
  std::string name;
  ClockSpec clocks;
  TensorEngineSpec tensor;
  StreamEngineSpec vector, scalar, gpsimd;
  MemorySpec memory;
  DmaSpec dma;
  SyncSpec sync;
  nlohmann::json source;                     // the resolved config as JSON (written with results)
};

// Loads sim/configs/<target>.json (target = trn1|trn2|trn3).
HwConfig load_target(const std::string& target);
HwConfig load_config_file(const std::string& path);
HwConfig config_from_json(const nlohmann::json& j, const std::string& where);
// Applies "a.b.c=value" overrides (value parsed as JSON, else as a string); unknown keys error.
HwConfig with_overrides(const HwConfig& base, const std::vector<std::string>& sets);
// Directory holding the shipped configs (compiled-in source dir, overridable by TRNSIM_CONFIG_DIR).
std::string configs_dir();

}  // namespace trnsim::sim
