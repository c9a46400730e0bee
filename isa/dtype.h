// Data types of the NeuronCore and bit-exact conversions between them.
//
// Models: storage formats of SBUF/PSUM/HBM elements (IEEE fp32/fp16, bf16, OCP fp8 e4m3/e5m2,
// signed/unsigned integers). Every write into a narrower type rounds to nearest even; fp8
// conversions saturate finite overflow to the largest finite value (OCP "saturating" mode).
// Abstracts away: stochastic rounding and MX block-scaled formats.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trnsim::isa {

enum class DType : uint8_t {
  kFp32,
  kBf16,
  kFp16,
  kFp8E4M3,
  kFp8E5M2,
  kInt8,
  kInt16,
  kInt32,
  kUint8,
  kUint16,
  kUint32,
};
inline constexpr int kNumDTypes = 11;

int dtype_bytes(DType t);
bool dtype_is_float(DType t);
// Canonical lower-case name as used in traces and NKI ("float32", "bfloat16", "float16",
// "float8_e4m3", "float8_e5m2", "int8", ... "uint32"). Parsing also accepts the short
// aliases "fp32", "bf16", "fp16", "fp8_e4m3", "fp8_e5m2".
std::string_view dtype_name(DType t);
// Returns false if `name` is not a dtype.
bool parse_dtype(std::string_view name, DType* out);

// Encodes `v` into the storage bits of `t` (low bytes of the result, little endian in memory).
// Floats: round to nearest even; NaN stays NaN; fp8 finite overflow saturates to +-max finite.
// +-Inf: fp16/bf16/e5m2 keep Inf, e4m3 (no Inf encoding) saturates to +-448 (see dtype.cc).
// Integers: round to nearest even, saturate to the type's range, NaN -> 0.
uint32_t encode(DType t, float v);
// Decodes storage bits of `t` into fp32 (exact for every type except int32/uint32 beyond 2^24).
float decode(DType t, uint32_t bits);
// Rounds `v` through `t` and back: the value a write of `v` into `t` would store.
inline float round_to(DType t, float v) { return decode(t, encode(t, v)); }

// Reads/writes one element at `p` (which must point to dtype_bytes(t) bytes).
float load_element(DType t, const uint8_t* p);
void store_element(DType t, float v, uint8_t* p);

}  // namespace trnsim::isa
