#include "workloads/lnc_split.h"

#include <cmath>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

constexpr int64_t kMinRowsPerCore = 128;  // a full partition tile of tokens per core

int64_t param(const OpInstance& op, const char* name) {
  auto it = op.shape.find(name);
  return it == op.shape.end() ? 0 : it->second;
}

// Two copies of `op` with parameter `name` split ceil/floor.
LncSplit halves(const OpInstance& op, const char* name) {
  const int64_t n = param(op, name);
  LncSplit s;
  s.split_dim = name;
  s.cores = {op, op};
  s.cores[0].shape[name] = (n + 1) / 2;
  s.cores[1].shape[name] = n / 2;
  return s;
}

LncSplit heads_halves(const OpInstance& op, const char* q, const char* kv) {
  LncSplit s = halves(op, kv);
  for (OpInstance& c : s.cores) c.shape[q] = param(op, q) / 2;
  s.split_dim = kv;
  return s;
}

LncSplit count_halves(const OpInstance& op) {
  LncSplit s;
  s.split_dim = "count";
  s.cores = {op, op};
  if (op.count == std::floor(op.count)) {
    s.cores[0].count = std::ceil(op.count / 2);
    s.cores[1].count = std::floor(op.count / 2);
  } else {
    s.cores[0].count = s.cores[1].count = op.count / 2;  // expected values: halves
  }
  return s;
}

LncSplit unsplit(const OpInstance& op) { return {{op}, "", 0}; }

bool is_matmul_role(const std::string& role) {
  return role == "qkv_proj" || role == "o_proj" || role == "router" || role == "lm_head" ||
         role == "attn_scores" || role == "attn_values";
}

LncSplit split_two(const OpInstance& op) {
  const std::string& role = op.role;
  if (op.count >= 2) return count_halves(op);
  if (is_matmul_role(role)) return param(op, "N") >= 2 ? halves(op, "N") : unsplit(op);
  if (role == "norm" || role == "qk_norm" || role == "attn_softmax" ||
      role == "router_softmax")
    return param(op, "rows") >= 2 ? halves(op, "rows") : unsplit(op);
  if (role == "rope") {
    if (param(op, "heads_q") % 2 == 0 && param(op, "heads_kv") % 2 == 0)
      return heads_halves(op, "heads_q", "heads_kv");
    return param(op, "tokens") >= 2 ? halves(op, "tokens") : unsplit(op);
  }
  if (role == "attention_prefill" || role == "attention_decode") {
    if (param(op, "kv_heads") % 2 == 0) return heads_halves(op, "q_heads", "kv_heads");
    if (role == "attention_decode" && param(op, "batch") >= 2) return halves(op, "batch");
    return unsplit(op);
  }
  if (role == "mlp" || role == "expert_mlp") {
    if (param(op, "tokens") >= 2 * kMinRowsPerCore) return halves(op, "tokens");
    if (param(op, "inter") < 2) return unsplit(op);
    LncSplit s = halves(op, "inter");
    s.reduce_bytes = param(op, "tokens") * param(op, "hidden") * 4;  // fp32 partial sums
    return s;
  }
  throw Error("LNC=2: no split rule for op " + op.name + " (role " + role + ")");
}

}  // namespace

LncSplit lnc_split(const OpInstance& op, int64_t lnc) {
  if (lnc == 1) return unsplit(op);
  if (lnc != 2) throw Error("LNC degree must be 1 or 2, got " + std::to_string(lnc));
  LncSplit s = split_two(op);
  // A core whose share is empty (an odd count of 1, a split size of 1) gets no work.
  std::vector<OpInstance> busy;
  for (const OpInstance& c : s.cores) {
    bool empty = c.count <= 0;
    for (const auto& [k, v] : c.shape)
      if (k == s.split_dim && v <= 0) empty = true;
    if (!empty) busy.push_back(c);
  }
  s.cores = busy;
  return s;
}

}  // namespace trnsim::workloads
