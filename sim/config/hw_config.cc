#include "sim/config/hw_config.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "isa/checked.h"
#include "isa/error.h"
#include "sim/config/data_dir.h"
#include "sim/config/json_reader.h"

namespace trnsim::sim {
namespace {

void require(bool ok, JsonObjectReader& r, const char* key, const char* why) {
  if (!ok) r.fail(key, why);
}

void read_stream(JsonObjectReader r, StreamEngineSpec* s) {
  r.get("min_ii_cycles", &s->min_ii_cycles);
  r.get("static_overhead_cycles", &s->static_overhead_cycles);
  r.get("elements_per_cycle", &s->elements_per_cycle);
  r.get("two_input_factor", &s->two_input_factor);
  r.get("bn_aggr_cycles_per_elem", &s->bn_aggr_cycles_per_elem);
  r.get("reciprocal_cycles_per_elem", &s->reciprocal_cycles_per_elem);
  r.get("gpsimd_index_base_cycles", &s->gpsimd_index_base_cycles);
  r.get("min_ii_dynamic_cycles", &s->min_ii_dynamic_cycles);
  r.get("gather_group_elements", &s->gather_group_elements);
  r.get("local_gather_base_cycles", &s->local_gather_base_cycles);
  r.get("local_gather_batch_indices", &s->local_gather_batch_indices);
  r.get("local_gather_batch_overhead_cycles", &s->local_gather_batch_overhead_cycles);
  r.get("local_gather_word_bytes", &s->local_gather_word_bytes);
  require(s->min_ii_cycles >= 0, r, "min_ii_cycles", "must be >= 0");
  require(s->static_overhead_cycles >= 0, r, "static_overhead_cycles", "must be >= 0");
  require(s->elements_per_cycle > 0, r, "elements_per_cycle", "must be > 0");
  require(s->two_input_factor > 0, r, "two_input_factor", "must be > 0");
  require(s->bn_aggr_cycles_per_elem > 0, r, "bn_aggr_cycles_per_elem", "must be > 0");
  require(s->reciprocal_cycles_per_elem > 0, r, "reciprocal_cycles_per_elem", "must be > 0");
  require(s->gpsimd_index_base_cycles >= 0, r, "gpsimd_index_base_cycles", "must be >= 0");
  require(s->min_ii_dynamic_cycles >= 0, r, "min_ii_dynamic_cycles", "must be >= 0");
  require(s->gather_group_elements > 0, r, "gather_group_elements", "must be > 0");
  require(s->local_gather_base_cycles >= 0, r, "local_gather_base_cycles", "must be >= 0");
  require(s->local_gather_batch_indices > 0, r, "local_gather_batch_indices", "must be > 0");
  require(s->local_gather_batch_overhead_cycles >= 0, r, "local_gather_batch_overhead_cycles",
          "must be >= 0");
  require(s->local_gather_word_bytes > 0, r, "local_gather_word_bytes", "must be > 0");
  r.finish();
}

void read_clocks(JsonObjectReader r, ClockSpec* c) {
  r.get("tensor_ghz", &c->tensor_ghz);
  r.get("vector_ghz", &c->vector_ghz);
  r.get("scalar_ghz", &c->scalar_ghz);
  r.get("gpsimd_ghz", &c->gpsimd_ghz);
  // A clock outside [1 MHz, 1 THz] is a typo, and would put costs outside the ps time range.
  const auto clock_ok = [](double ghz) { return ghz >= 1e-3 && ghz <= 1e3; };
  require(clock_ok(c->tensor_ghz), r, "tensor_ghz", "must be in [0.001, 1000] GHz");
  require(clock_ok(c->vector_ghz), r, "vector_ghz", "must be in [0.001, 1000] GHz");
  require(clock_ok(c->scalar_ghz), r, "scalar_ghz", "must be in [0.001, 1000] GHz");
  require(clock_ok(c->gpsimd_ghz), r, "gpsimd_ghz", "must be in [0.001, 1000] GHz");
  r.finish();
}

void read_tensor(JsonObjectReader r, TensorEngineSpec* t) {
  r.get("rows", &t->rows);
  r.get("cols", &t->cols);
  r.get("min_moving_cycles", &t->min_moving_cycles);
  r.get("fp32_pass_factor", &t->fp32_pass_factor);
  r.get("first_latency_cycles", &t->first_latency_cycles);
  r.get("stationary_load_speedup", &t->stationary_load_speedup);
  r.get("transpose_fp32_speedup", &t->transpose_fp32_speedup);
  require(t->rows > 0, r, "rows", "must be > 0");
  require(t->cols > 0, r, "cols", "must be > 0");
  require(t->min_moving_cycles >= 0, r, "min_moving_cycles", "must be >= 0");
  require(t->fp32_pass_factor >= 1, r, "fp32_pass_factor", "must be >= 1");
  require(t->first_latency_cycles >= 0, r, "first_latency_cycles", "must be >= 0");
  require(t->stationary_load_speedup > 0, r, "stationary_load_speedup", "must be > 0");
  require(t->transpose_fp32_speedup > 0, r, "transpose_fp32_speedup", "must be > 0");
  r.finish();
}

void read_memory(JsonObjectReader r, MemorySpec* m) {
  isa::CoreLimits& l = m->limits;
  r.get("partitions", &l.partitions);
  r.get("sbuf_partition_bytes", &l.sbuf_partition_bytes);
  r.get("psum_partition_bytes", &l.psum_partition_bytes);
  r.get("psum_bank_bytes", &l.psum_bank_bytes);
  r.get("matmul_max_moving_free", &l.matmul_max_moving_free);
  r.get("matmul_max_stationary_free", &l.matmul_max_stationary_free);
  r.get("access_overhead_cycles", &m->access_overhead_cycles);
  r.get("stride_penalty_bytes", &m->stride_penalty_bytes);
  r.get("stride_penalty_factor", &m->stride_penalty_factor);
  r.get("hbm_bytes", &l.hbm_bytes);
  require(l.partitions > 0, r, "partitions", "must be > 0");
  require(l.sbuf_partition_bytes > 0, r, "sbuf_partition_bytes", "must be > 0");
  require(l.psum_partition_bytes > 0, r, "psum_partition_bytes", "must be > 0");
  require(l.psum_bank_bytes > 0 && l.psum_partition_bytes % l.psum_bank_bytes == 0, r,
          "psum_bank_bytes", "must be > 0 and divide psum_partition_bytes");
  require(l.matmul_max_moving_free > 0, r, "matmul_max_moving_free", "must be > 0");
  require(l.matmul_max_stationary_free > 0, r, "matmul_max_stationary_free", "must be > 0");
  require(m->access_overhead_cycles >= 0, r, "access_overhead_cycles", "must be >= 0");
  require(m->stride_penalty_bytes > 0, r, "stride_penalty_bytes", "must be > 0");
  require(m->stride_penalty_factor >= 1, r, "stride_penalty_factor", "must be >= 1");
  require(l.hbm_bytes > 0, r, "hbm_bytes", "must be > 0");
  r.finish();
}

void read_dma(JsonObjectReader r, DmaSpec* d) {
  r.get("queues", &d->queues);
  r.get("queue_bytes_per_ns", &d->queue_bytes_per_ns);
  r.get("hbm_bytes_per_ns", &d->hbm_bytes_per_ns);
  r.get("fixed_ns", &d->fixed_ns);
  r.get("completion_latency_ns", &d->completion_latency_ns);
  r.get("efficiency_by_bytes", &d->efficiency_by_bytes);
  r.get("transpose_efficiency", &d->transpose_efficiency);
  require(d->queues >= 1 && d->queues <= kMaxDmaQueues, r, "queues",
          "must be in [1, 32] (kMaxDmaQueues)");
  require(d->queue_bytes_per_ns > 0, r, "queue_bytes_per_ns", "must be > 0");
  require(d->hbm_bytes_per_ns > 0, r, "hbm_bytes_per_ns", "must be > 0");
  require(d->fixed_ns >= 0, r, "fixed_ns", "must be >= 0");
  require(d->completion_latency_ns >= 0, r, "completion_latency_ns", "must be >= 0");
  require(!d->efficiency_by_bytes.empty(), r, "efficiency_by_bytes", "must not be empty");
  for (size_t i = 0; i < d->efficiency_by_bytes.size(); ++i) {
    const auto& p = d->efficiency_by_bytes[i];
    require(p.second > 0 && p.second <= 1, r, "efficiency_by_bytes",
            "efficiencies must be in (0, 1]");
    require(i == 0 || p.first > d->efficiency_by_bytes[i - 1].first, r, "efficiency_by_bytes",
            "byte sizes must be strictly increasing");
  }
  require(d->transpose_efficiency > 0 && d->transpose_efficiency <= 1, r,
          "transpose_efficiency", "must be in (0, 1]");
  r.finish();
}

void read_sync(JsonObjectReader r, SyncSpec* s) {
  r.get("cross_engine_ns", &s->cross_engine_ns);
  r.get("dma_trigger_ns", &s->dma_trigger_ns);
  require(s->cross_engine_ns >= 0, r, "cross_engine_ns", "must be >= 0");
  require(s->dma_trigger_ns >= 0, r, "dma_trigger_ns", "must be >= 0");
  r.finish();
}

}  // namespace

double ClockSpec::ghz(isa::Engine e) const {
  switch (e) {
    case isa::Engine::kTensor:
      return tensor_ghz;
    case isa::Engine::kVector:
      return vector_ghz;
    case isa::Engine::kScalar:
      return scalar_ghz;
    case isa::Engine::kGpsimd:
      return gpsimd_ghz;
    case isa::Engine::kDma:
      return 1;
  }
  return 1;
}

const StreamEngineSpec& HwConfig::stream(isa::Engine e) const {
  switch (e) {
    case isa::Engine::kScalar:
      return scalar;
    case isa::Engine::kGpsimd:
      return gpsimd;
    default:
      return vector;
  }
}

HwConfig config_from_json(const nlohmann::json& j, const std::string& where) {
  HwConfig c;
  JsonObjectReader root(j, where, "");
  root.get("name", &c.name);
  read_clocks(root.child("clocks"), &c.clocks);
  read_tensor(root.child("tensor"), &c.tensor);
  read_stream(root.child("vector"), &c.vector);
  read_stream(root.child("scalar"), &c.scalar);
  read_stream(root.child("gpsimd"), &c.gpsimd);
  read_memory(root.child("memory"), &c.memory);
  read_dma(root.child("dma"), &c.dma);
  c.memory.limits.dma_queues = c.dma.queues;  // the validator bounds fixed queues with it
  read_sync(root.child("sync"), &c.sync);
  root.finish();
  c.source = j;
  return c;
}

std::string configs_dir() {
  if (const char* env = std::getenv("TRNSIM_CONFIG_DIR"); env && *env) return env;
  return data_path("sim/configs");
}

HwConfig load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("config " + path + ": cannot open file");
  // JSON keeps the last of repeated keys silently; a config with a repeated key is an error.
  std::vector<std::set<std::string>> open_objects;
  auto reject_duplicate_keys = [&](int depth, nlohmann::json::parse_event_t event,
                                   nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) open_objects.emplace_back();
    if (event == Event::object_end) open_objects.pop_back();
    if (event == Event::key && !open_objects.back().insert(parsed.get<std::string>()).second)
      throw Error("config " + path + ": key '" + isa::bounded(parsed.get<std::string>()) +
                  "' repeated in one object (depth " + std::to_string(depth) + ")");
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in, reject_duplicate_keys);
  } catch (const nlohmann::json::exception& e) {
    throw Error("config " + path + ": invalid JSON: " + isa::bounded(e.what()));
  }
  return config_from_json(j, path);
}

HwConfig load_target(const std::string& target) {
  if (target != "trn1" && target != "trn2" && target != "trn3") {
    throw Error("unknown target '" + target + "' (expected trn1, trn2 or trn3)");
  }
  return load_config_file(configs_dir() + "/" + target + ".json");
}

HwConfig with_overrides(const HwConfig& base, const std::vector<std::string>& sets) {
  nlohmann::json j = base.source;
  for (const std::string& item : sets) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--set '" + isa::bounded(item) + "': expected key.path=value");
    }
    const std::string path = item.substr(0, eq), text = item.substr(eq + 1);
    nlohmann::json* node = &j;
    std::stringstream segments(path);
    for (std::string seg; std::getline(segments, seg, '.');) {
      if (!node->is_object() || !node->contains(seg)) {
        throw Error("--set '" + isa::bounded(item) + "': unknown key '" + isa::bounded(path) + "'");
      }
      node = &(*node)[seg];
    }
    if (node->is_object()) {
      throw Error("--set '" + isa::bounded(item) + "': '" + isa::bounded(path) +
                  "' is a section, not a value");
    }
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      value = text;
    }
    *node = value;
  }
  return config_from_json(j, sets.empty() ? base.name : "--set");
}

}  // namespace trnsim::sim
