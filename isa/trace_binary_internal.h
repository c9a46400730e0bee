// Shared by the binary trace reader and writer (not a public interface): the tag bytes of field
// values and the zigzag mapping of signed varints (isa/TRACE_BINARY.md).
#pragma once

#include <cstdint>
#include <string_view>

#include "isa/opcodes.h"

namespace trnsim::isa::binary_internal {

// Tags of a field value (the JSON value kinds a trace uses, views already parsed).
inline constexpr uint8_t kNull = 0, kView = 1, kNumber = 2, kInteger = 3, kFalse = 4, kTrue = 5,
                         kName = 6, kIntList = 7, kWholeBuffer = 8;
inline constexpr uint8_t kNumTags = 9;

// Zigzag mapping of signed integers to unsigned varints (small magnitudes stay short).
inline uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
inline int64_t unzigzag(uint64_t u) { return int64_t(u >> 1) ^ -int64_t(u & 1); }

}  // namespace trnsim::isa::binary_internal
