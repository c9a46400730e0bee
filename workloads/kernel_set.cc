#include "workloads/kernel_set.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/error.h"
#include "sim/config/data_dir.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kRoles = {
    {"norm", "rmsnorm_residual"},  // input/post-attention/final norm with the residual add
    {"qk_norm", "rmsnorm"},        // Qwen3 per-head norm of q and k
    {"qkv_proj", "matmul"},
    {"rope", "rope"},
    {"attn_scores", "matmul"},  // q k^T per KV head (its query group stacked)
    {"attn_softmax", "softmax"},
    {"attn_values", "matmul"},
    {"o_proj", "matmul"},
    {"mlp", "swiglu"},
    {"router", "matmul"},
    {"router_softmax", "softmax"},
    {"expert_mlp", "swiglu"},
    {"lm_head", "matmul"},
    // Fused attention, used instead of attn_scores/attn_softmax/attn_values when present.
    {"attention_prefill", "flash_attention"},
    {"attention_decode", "decode_attention"}};

bool is_schedule_param(const kernels::KernelDef& def, const std::string& p) {
  for (const kernels::ParamSpec& s : def.params)
    if (s.name == p) return s.schedule;
  return false;
}

// "FILE.py::FUNCTION" -> the reference, FILE resolved against `base_dir` when relative.
NkiKernelRef parse_nki_spec(const json& v, const std::string& base_dir, const std::string& at) {
  if (!v.is_string()) throw Error(at + ".nki: expected \"FILE.py::FUNCTION\"");
  const std::string spec = v.get<std::string>();
  const size_t sep = spec.rfind("::");
  if (sep == std::string::npos || sep == 0 || sep + 2 >= spec.size())
    throw Error(at + ".nki: expected \"FILE.py::FUNCTION\", got \"" + spec + "\"");
  NkiKernelRef r;
  r.spec = spec;
  r.function = spec.substr(sep + 2);
  r.file = spec.substr(0, sep);
  if (r.file[0] != '/' && !base_dir.empty()) r.file = base_dir + "/" + r.file;
  std::ifstream probe(r.file);
  if (!probe) throw Error(at + ".nki: cannot open " + r.file + " (relative paths are read from "
                          "the kernel set's folder)");
  return r;
}

void apply_entry(const json& e, const kernels::KernelDef& def, KernelChoice* c,
                 const std::string& at, const std::string& base_dir) {
  if (!e.is_object()) throw Error(at + ": expected an object");
  if (e.contains("kwargs") && !e.contains("nki") && !c->nki)
    throw Error(at + ".kwargs: keyword arguments need an \"nki\" kernel in the same entry");
  if (e.contains("nki") && (e.contains("variant") || e.contains("params")))
    throw Error(at + ": \"nki\" replaces the library kernel; drop \"variant\"/\"params\"");
  for (auto it = e.begin(); it != e.end(); ++it) {
    const std::string& k = it.key();
    if (k == "nki") {
      // A decode override of the same kernel keeps the prefill kwargs; another kernel starts
      // with none.
      NkiKernelRef ref = parse_nki_spec(*it, base_dir, at);
      if (c->nki && c->nki->file == ref.file && c->nki->function == ref.function)
        ref.kwargs_json = c->nki->kwargs_json;
      c->nki = ref;
    } else if (k == "kwargs") {
      // handled after the loop (needs the nki entry)
    } else if (k == "variant") {
      c->nki.reset();
      if (!it->is_string()) throw Error(at + ".variant: expected a string");
      c->variant = it->get<std::string>();
      if (!def.has_variant(c->variant)) {
        std::string known;
        for (const auto& v : def.variants) known += (known.empty() ? "" : ", ") + v.name;
        throw Error(at + ".variant: kernel " + def.name + " has no variant '" + c->variant +
                    "' (known: " + known + ")");
      }
    } else if (k == "params") {
      if (c->nki)
        throw Error(at + ".params: schedule parameters apply to library variants; the NKI kernel " +
                    c->nki->spec + " takes \"kwargs\"");
      if (!it->is_object()) throw Error(at + ".params: expected an object");
      for (auto p = it->begin(); p != it->end(); ++p) {
        if (!is_schedule_param(def, p.key()))
          throw Error(at + ".params." + p.key() + ": not a schedule parameter of kernel " +
                      def.name);
        if (!p->is_number_integer() || p->get<int64_t>() < 0)
          throw Error(at + ".params." + p.key() + ": expected a non-negative integer");
        c->params[p.key()] = p->get<int64_t>();
      }
    } else if (k == "custom") {
      throw Error(at + ".custom: the 'custom' flag is gone: the score's MAC fraction is now "
                  "measured from the instructions of the NKI kernels the set names (\"nki\": "
                  "\"FILE.py::FUNCTION\"); a self-declared flag let a library kernel claim "
                  "the bonus. Remove the key");
    } else if (k != "decode" && k != "_comment") {
      throw Error(at + ": unknown key '" + k + "'");
    }
  }
  if (e.contains("kwargs")) {
    if (!e["kwargs"].is_object()) throw Error(at + ".kwargs: expected an object");
    c->nki->kwargs_json = e["kwargs"].dump();
  }
}

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& kernel_roles() { return kRoles; }

std::string NkiKernelRef::name() const {
  const size_t slash = file.rfind('/');
  return (slash == std::string::npos ? file : file.substr(slash + 1)) + "::" + function;
}

std::string KernelChoice::label() const {
  return nki ? nki->name() : kernel + "/" + variant;
}

const KernelChoice& KernelSet::choice(const std::string& role, Phase phase) const {
  const auto& m = phase == Phase::kPrefill ? prefill : decode;
  auto it = m.find(role);
  if (it == m.end()) throw Error("kernel set " + name + ": no op role '" + role + "'");
  return it->second;
}

KernelSet default_kernel_set() {
  KernelSet s;
  s.name = "default";
  for (const auto& [role, kernel] : kRoles) {
    const kernels::KernelDef& def = kernels::find_kernel(kernel);
    KernelChoice c{kernel, def.variants.at(0).name, {}, std::nullopt};
    s.prefill[role] = c;
    s.decode[role] = c;
  }
  return s;
}

KernelSet parse_kernel_set(const std::string& text, const std::string& where,
                           const std::string& base_dir) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(where + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(where + ": kernel set must be a JSON object");
  KernelSet s = default_kernel_set();
  s.name = where;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "name") {
      if (!it->is_string()) throw Error(where + ": name: expected a string");
      s.name = it->get<std::string>();
    } else if (k == "dtype") {
      if (!it->is_string() || !isa::parse_dtype(it->get<std::string>(), &s.dtype))
        throw Error(where + ": dtype: expected a dtype name such as \"bfloat16\"");
    } else if (k == "ops") {
      if (!it->is_object()) throw Error(where + ": ops: expected an object");
      for (auto op = it->begin(); op != it->end(); ++op) {
        const std::string at = where + ": ops." + op.key();
        auto role = std::find_if(kRoles.begin(), kRoles.end(),
                                 [&](const auto& r) { return r.first == op.key(); });
        if (role == kRoles.end()) {
          std::string known;
          for (const auto& r : kRoles) known += (known.empty() ? "" : ", ") + r.first;
          throw Error(at + ": unknown op role (known: " + known + ")");
        }
        const kernels::KernelDef& def = kernels::find_kernel(role->second);
        s.given.insert(op.key());
        apply_entry(*op, def, &s.prefill[op.key()], at, base_dir);
        s.decode[op.key()] = s.prefill[op.key()];
        if (op->contains("decode"))
          apply_entry((*op)["decode"], def, &s.decode[op.key()], at + ".decode", base_dir);
      }
    } else if (k != "_comment" && k != "description") {
      throw Error(where + ": unknown key '" + k + "'");
    }
  }
  for (const auto& [role, kernel] : kRoles) {
    const kernels::KernelDef& def = kernels::find_kernel(kernel);
    bool ok = false;
    for (isa::DType d : def.dtypes) ok |= d == s.dtype;
    if (!ok)
      throw Error(where + ": dtype " + std::string(isa::dtype_name(s.dtype)) +
                  " is not supported by kernel " + kernel + " (role " + role + ")");
  }
  return s;
}

std::string kernel_sets_dir() {
  if (const char* env = std::getenv("TRNSIM_KERNEL_SETS_DIR")) return env;
  return sim::data_path("workloads/kernel_sets");
}

KernelSet load_kernel_set(const std::string& path_or_name) {
  std::string path = path_or_name;
  if (path.find('/') == std::string::npos && path.find(".json") == std::string::npos)
    path = kernel_sets_dir() + "/" + path + ".json";
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open kernel set");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_kernel_set(ss.str(), path, folder_of(path));
}

}  // namespace trnsim::workloads
