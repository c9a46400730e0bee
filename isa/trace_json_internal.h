// Shared between the trace reader, writer and schema text (not a public interface): the key
// names of the instruction objects and of the non-finite numbers of the JSON trace format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "isa/opcodes.h"

namespace trnsim::isa::trace_internal {

inline constexpr std::string_view kFormatName = "trnsim-trace";

// Keys of an instruction object that are not operands or attributes.
inline bool is_reserved_instruction_key(std::string_view key) {
  return key == "op" || key == "engine" || key == "label" || key == "comment";
}

// Non-finite floats are written as the strings "inf", "-inf" and "nan" (JSON has no literal
// for them); finite numbers as JSON numbers that round trip doubles exactly.
nlohmann::json number_to_json(double v);
// True and sets *out if `j` is a JSON number or one of the non-finite strings.
bool json_to_number(const nlohmann::json& j, double* out);

}  // namespace trnsim::isa::trace_internal
