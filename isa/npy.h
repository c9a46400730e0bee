// Reader and writer of NumPy .npy files (format versions 1.0, 2.0 and 3.0), and conversion
// between npy arrays and the storage bytes of a trnsim DType.
//
// Supported: C order only; little-endian or byte-order-free descrs
// '<f2' '<f4' '<f8' '|i1' '<i2' '<i4' '<i8' '|u1' '<u2' '<u4' '<u8' '|b1'
// ('<' and '|' are both accepted for one-byte types; '=' is read as little endian).
// Not supported (trnsim::Error naming the file and the reason): Fortran order, big-endian
// data, structured/object/string/complex dtypes, bad magic, unknown versions, truncated data.
//
// numpy has no bfloat16 or fp8 dtype: storage_to_npy writes bf16/fp8 tensors as '<f4' arrays
// that hold exactly the values the storage encodes (every bf16/fp8 value is an fp32 value), so
// npy_to_storage(storage_to_npy(x)) reproduces the storage bits (NaN payloads aside).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/dtype.h"

namespace trnsim::isa {

struct NpyArray {
  std::string descr;           // numpy dtype string as written in the header, e.g. "<f4", "|b1"
  std::vector<int64_t> shape;  // empty for a 0-d (scalar) array
  std::vector<uint8_t> data;   // elements() * item size bytes, little endian, C order
  int64_t elements() const;    // product of shape (1 for a 0-d array)
};

// Reads `path`. Throws trnsim::Error naming the file for every malformed or unsupported file.
NpyArray read_npy(const std::string& path);
// Writes `a` in format version 1.0 (2.0 if the header does not fit 1.0's 16-bit length).
// The descr is normalised ('|' for one-byte types, '<' otherwise). Throws trnsim::Error if the
// descr is unsupported, data size does not match the shape, or the file cannot be written.
void write_npy(const std::string& path, const NpyArray& a);

// Item size in bytes of a supported descr (throws trnsim::Error for others).
int npy_item_bytes(const std::string& descr);

// Converts any numeric npy (including bool) into the storage bytes of `t`, rounding to nearest
// even via encode(); the element count is kept. For an integer `t` every value must be an
// integer within t's range (trnsim::Error naming the element otherwise: NaN, 2.5 or 2^40 into
// int32 would silently change). f8/i8/u8 values are first converted to float
// (themselves correctly rounded from double/int64 to the nearest fp32), then encoded.
std::vector<uint8_t> npy_to_storage(const NpyArray& a, DType t);
// Converts storage bytes of `t` into an npy: fp32 -> '<f4', fp16 -> '<f2', bf16/fp8 -> '<f4'
// holding the exact values, int8..uint32 -> '|i1' '<i2' '<i4' '|u1' '<u2' '<u4'.
// Throws trnsim::Error if the product of `shape` is not `elements`.
NpyArray storage_to_npy(const uint8_t* data, int64_t elements, DType t,
                        std::vector<int64_t> shape);
// Writes storage_to_npy(data, elements, t, shape) to `path` without holding the converted copy:
// fp32/fp16/integer storage is written as it is, bf16/fp8 widened in fixed-size chunks. Throws
// trnsim::Error like storage_to_npy and write_npy.
void write_storage_npy(const std::string& path, const uint8_t* data, int64_t elements, DType t,
                       const std::vector<int64_t>& shape);

}  // namespace trnsim::isa
