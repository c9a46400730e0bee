// Hardware configuration of one NeuronCore generation: clocks, engine cost parameters, memory
// limits, DMA and synchronisation numbers. Numbers live in sim/configs/<target>.json; this
// struct only names them (no defaults that matter: every field must be present in the JSON).
// Loading is strict: unknown keys and missing keys are errors naming the key path, and
// `--set key.path=value` overrides go through the same validation. Keys starting with '_'
// ("_comment") are comments and are ignored at any level.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "isa/core_limits.h"
#include "isa/opcodes.h"

namespace trnsim::sim {

// The most DMA queues a config may have (the timing model sizes its per-queue state by it once
// per process: SystemC cannot add processes after the first sc_start).
inline constexpr int kMaxDmaQueues = 32;

struct ClockSpec {
  double tensor_ghz = 0, vector_ghz = 0, scalar_ghz = 0, gpsimd_ghz = 0;
  double ghz(isa::Engine e) const;  // DMA has no clock: returns 1 (cycles == ns)
};

struct TensorEngineSpec {
  int64_t rows = 0, cols = 0;             // PE array
  int64_t min_moving_cycles = 0;          // the min(64, N_stationary) floor of a matmul pass
  int64_t fp32_pass_factor = 0;           // fp32 operands take this many passes
  int64_t first_latency_cycles = 0;       // latency from issue to first result in PSUM
  double stationary_load_speedup = 0;     // background stationary load vs moving pass
  double transpose_fp32_speedup = 0;      // fp32 transpose path speed-up over matmul path
};

struct StreamEngineSpec {  // vector, scalar and gpsimd engines
  int64_t min_ii_cycles = 0;              // minimum initiation interval of one instruction
  int64_t static_overhead_cycles = 0;     // added to latency: dependent instruction overhead
  double elements_per_cycle = 0;          // per partition, one input stream
  double two_input_factor = 0;            // tensor_tensor-class streams: cycles per element
  double bn_aggr_cycles_per_elem = 0;
  double reciprocal_cycles_per_elem = 0;
  int64_t gpsimd_index_base_cycles = 0;   // iota / affine_select fixed part
  int64_t min_ii_dynamic_cycles = 0;      // MIN_II of an instruction with a runtime offset
  int64_t gather_group_elements = 0;      // nc_n_gather: output elements per ISA group
  int64_t local_gather_base_cycles = 0;   // local_gather: fixed part
  int64_t local_gather_batch_indices = 0; // local_gather: indices per batch (t)
  int64_t local_gather_batch_overhead_cycles = 0;  // local_gather: fixed cycles per batch
  int64_t local_gather_word_bytes = 0;    // local_gather: bytes moved together (packing)
};

struct MemorySpec {
  isa::CoreLimits limits;
  int64_t access_overhead_cycles = 0;     // static cost of one SBUF/PSUM access request
  int64_t stride_penalty_bytes = 0;       // innermost stride above this ...
  double stride_penalty_factor = 0;       // ... divides bandwidth by this
};

struct DmaSpec {
  int queues = 0;
  double queue_bytes_per_ns = 0;          // peak of one DMA queue (engine)
  double hbm_bytes_per_ns = 0;            // shared by all queues of the core
  double fixed_ns = 0;                    // per-transfer fixed occupancy of a queue
  double completion_latency_ns = 0;       // from the end of a transfer to data visible
  // Efficiency by bytes per partition (descriptor size): piecewise linear through these
  // (bytes, fraction of peak) points, sorted by bytes; clamped at both ends.
  std::vector<std::pair<double, double>> efficiency_by_bytes;
  double transpose_efficiency = 0;        // dma_transpose throughput relative to a copy
};

struct SyncSpec {
  double cross_engine_ns = 0;  // compute consumer on another engine/queue than its producer
  double dma_trigger_ns = 0;   // DMA consumer on another queue (semaphore to DMA start)
};

struct HwConfig {
  std::string name;
  ClockSpec clocks;
  TensorEngineSpec tensor;
  StreamEngineSpec vector, scalar, gpsimd;
  MemorySpec memory;
  DmaSpec dma;
  SyncSpec sync;
  nlohmann::json source;  // the resolved config as JSON (written with results)

  const StreamEngineSpec& stream(isa::Engine e) const;  // vector, scalar or gpsimd
};

// Loads <configs_dir()>/<target>.json (target = trn1|trn2|trn3).
HwConfig load_target(const std::string& target);
HwConfig load_config_file(const std::string& path);
// `where` names the source in error messages (a file name, "--set").
HwConfig config_from_json(const nlohmann::json& j, const std::string& where);
// Applies "a.b.c=value" overrides (value parsed as JSON, else taken as a string); the key path
// must exist in the config. Throws trnsim::Error naming the bad item.
HwConfig with_overrides(const HwConfig& base, const std::vector<std::string>& sets);
// Directory holding the shipped configs (compiled-in source dir, overridable by the
// TRNSIM_CONFIG_DIR environment variable).
std::string configs_dir();

}  // namespace trnsim::sim
