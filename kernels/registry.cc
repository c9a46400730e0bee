#include "kernels/registry.h"

#include <random>
#include <sstream>

#include "isa/error.h"
#include "kernels/kernel_list.h"

namespace trnsim::kernels {

int64_t KernelConfig::get(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) throw Error("kernel parameter '" + name + "' is not set");
  return it->second;
}

bool KernelDef::has_variant(const std::string& v) const {
  for (const VariantSpec& s : variants)
    if (s.name == v) return true;
  return false;
}

const std::vector<KernelDef>& all_kernels() {
  static const std::vector<KernelDef> defs = kernel_list();
  return defs;
}

const KernelDef& find_kernel(const std::string& name) {
  std::string known;
  for (const KernelDef& d : all_kernels()) {
    if (d.name == name) return d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  throw Error("unknown kernel '" + name + "' (known: " + known + ")");
}

KernelConfig resolve_config(const KernelDef& def, const Params& given, isa::DType dtype) {
  KernelConfig cfg;
  cfg.dtype = dtype;
  bool dtype_ok = false;
  for (isa::DType d : def.dtypes) dtype_ok |= d == dtype;
  if (!dtype_ok)
    throw Error("kernel " + def.name + ": dtype " + std::string(isa::dtype_name(dtype)) +
                " is not supported");
  for (const ParamSpec& p : def.params) cfg.params[p.name] = p.default_value;
  for (const auto& [name, value] : given) {
    if (!cfg.params.count(name)) {
      std::string known;
      for (const ParamSpec& p : def.params) known += (known.empty() ? "" : ", ") + p.name;
      throw Error("kernel " + def.name + ": unknown parameter '" + name + "' (known: " + known +
                  ")");
    }
    if (value < 0)
      throw Error("kernel " + def.name + ": parameter " + name + "=" + std::to_string(value) +
                  " must not be negative");
    cfg.params[name] = value;
  }
  return cfg;
}

Params parse_params(const std::string& text) {
  Params out;
  std::string item;
  std::string norm = text;
  for (char& c : norm)
    if (c == ' ') c = ',';
  std::stringstream ss(norm);
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw Error("parameter '" + item + "': expected NAME=INTEGER");
    std::string value = item.substr(eq + 1);
    char* end = nullptr;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (*end != '\0') throw Error("parameter '" + item + "': '" + value + "' is not an integer");
    out[item.substr(0, eq)] = v;
  }
  return out;
}

std::string params_to_string(const Params& p) {
  std::string out;
  for (const auto& [k, v] : p) out += (out.empty() ? "" : ",") + k + "=" + std::to_string(v);
  return out;
}

Tensors random_inputs(const isa::Program& prog, uint64_t seed) {
  Tensors out;
  for (const isa::HbmTensor& t : prog.tensors) {
    if (t.role != isa::TensorRole::kInput && t.role != isa::TensorRole::kConstant) continue;
    std::seed_seq seq(t.name.begin(), t.name.end());
    std::vector<uint32_t> words(2);
    seq.generate(words.begin(), words.end());
    std::mt19937_64 rng(seed ^ (uint64_t(words[0]) << 32 | words[1]));
    std::normal_distribution<double> normal(0.0, 1.0);
    const int64_t rows = t.shape.empty() ? 1 : t.shape[0];
    Mat m(rows, rows ? t.elements() / rows : 0);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      m.data()[i] = isa::round_to(t.dtype, float(normal(rng)));
    out[t.name] = std::move(m);
  }
  return out;
}

Tensors make_inputs(const KernelDef& def, const KernelConfig& cfg, uint64_t seed) {
  if (def.inputs) return def.inputs(cfg, seed);
  return random_inputs(def.build(cfg, def.variants.at(0).name), seed);
}

}  // namespace trnsim::kernels
