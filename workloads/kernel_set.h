// A kernel set: which kernel variant and schedule parameters implement each op role of a
// decoder layer. JSON file:
//   {"name": "baseline", "dtype": "bfloat16",
//    "ops": {"qkv_proj": {"variant": "naive", "params": {"bm": 2},
//                         "decode": {"variant": "thin"}},
//            "mlp": {"nki": "my_mlp.py::swiglu_mlp", "kwargs": {"tile_n": 512}}, ...}}
// Each role has a fixed kernel family (kRoles in kernel_set.cc). Only schedule parameters may
// be given (shape parameters come from the model); "decode" optionally overrides variant and
// params (or the NKI kernel) for decode steps (attention_prefill / attention_decode replace the
// three decomposed attention ops in their phase when named). "nki": "FILE.py::FUNCTION" runs the
// author's own NKI kernel for the role instead of a library variant (FILE relative to the
// kernel-set file; "kwargs" are its keyword arguments, JSON numbers/strings/booleans/lists);
// its argument convention is the role's library kernel's HBM tensors (nki_op.h). Only the MACs
// of NKI kernels count towards the score's MAC fraction. Roles left out take the family's
// baseline variant and defaults.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "isa/dtype.h"
#include "kernels/registry.h"

namespace trnsim::workloads {

enum class Phase { kPrefill, kDecode };

// The author's NKI kernel for a role: FILE.py::FUNCTION with keyword arguments.
struct NkiKernelRef {
  std::string spec;                // "FILE.py::FUNCTION" as the kernel set writes it
  std::string file;                // resolved against the kernel-set file's folder
  std::string function;
  std::string kwargs_json = "{}";  // a JSON object (canonical dump: equal kwargs, equal text)
  std::string name() const;        // "FILE.py::FUNCTION" without FILE's folders (reports)
};

struct KernelChoice {
  std::string kernel;  // registry family (the role's reference op and argument convention)
  std::string variant;
  kernels::Params params;  // schedule parameters only
  std::optional<NkiKernelRef> nki;  // set: the NKI kernel runs instead of the library variant
  bool is_nki() const { return nki.has_value(); }
  std::string label() const;  // NkiKernelRef::name() or "kernel/variant"
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

// `base_dir`: the folder relative "nki" paths are read from ("" : the working folder).
KernelSet parse_kernel_set(const std::string& json_text, const std::string& where,
                           const std::string& base_dir = "");
KernelSet load_kernel_set(const std::string& path_or_name);  // a name looks in kernel_sets/
KernelSet default_kernel_set();                              // every role at its baseline
std::string kernel_sets_dir();

}  // namespace trnsim::workloads
