// A kernel set: which kernel variant and schedule parameters implement each op role of a
// decoder layer. JSON file:
//   {"name": "baseline", "dtype": "bfloat16",
//    "ops": {"qkv_proj": {"variant": "naive", "params": {"bm": 2},
//                         "decode": {"variant": "thin"}, "custom": false}, ...}}
// Each role has a fixed kernel family (kRoles in kernel_set.cc). Only schedule parameters may
// be given (shape parameters come from the model); "decode" optionally overrides variant and
// params for decode steps (attention_prefill / attention_decode replace the three decomposed
// attention ops in their phase when named); "custom": true marks a kernel as the author's own (its
// MACs count towards the score bonus). Roles left out take the family's baseline variant and
// defaults.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "isa/dtype.h"
#include "kernels/registry.h"

namespace trnsim::workloads {

enum class Phase { kPrefill, kDecode };

struct KernelChoice {
  std::string kernel;  // registry family
  std::string variant;
  kernels::Params params;  // schedule parameters only
  bool custom = false;
};

struct KernelSet {
  std::string name;
  isa::DType dtype = isa::DType::kBf16;
  std::map<std::string, KernelChoice> prefill, decode;  // by role, every role present
  std::set<std::string> given;                          // roles the file names explicitly

  // Fused attention (attention_prefill / attention_decode) is used only when the set names it.
  bool fused_attention(Phase phase) const {
    return given.count(phase == Phase::kPrefill ? "attention_prefill" : "attention_decode") > 0;
  }

  const KernelChoice& choice(const std::string& role, Phase phase) const;
};

// Role names and their kernel family.
const std::vector<std::pair<std::string, std::string>>& kernel_roles();

KernelSet parse_kernel_set(const std::string& json_text, const std::string& where);
KernelSet load_kernel_set(const std::string& path_or_name);  // a name looks in kernel_sets/
KernelSet default_kernel_set();                              // every role at its baseline
std::string kernel_sets_dir();

}  // namespace trnsim::workloads
