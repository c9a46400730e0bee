// Shared between the trace reader, writer and schema text (not a public interface): the key
// names of the instruction objects and of the non-finite numbers of the JSON trace format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "isa/name_index.h"
#include "isa/opcodes.h"
#include "isa/program.h"

namespace trnsim::isa::trace_internal {

inline constexpr std::string_view kFormatName = "trnsim-trace";

// Keys of an instruction object that are not operands or attributes.
inline bool is_reserved_instruction_key(std::string_view key) {
  return key == "op" || key == "engine" || key == "label" || key == "comment";
}

// Buffer names to buffers. The keys view the names in the program, which must outlive the
// index and not change while it is used.
struct BufferIndex {
  NameIndex names;
  std::vector<BufferRef> refs;  // per name, in the order names were added
  std::optional<BufferRef> find(std::string_view name) const {
    const int64_t k = names.find(name);
    if (k < 0) return std::nullopt;
    return refs[size_t(k)];
  }
};
// Requires unique names (as the reader checks); with repeated names the first tensor, else the
// first tile of the name wins, as in Program::find.
BufferIndex index_buffers(const Program& prog);
// parse_view (isa/trace_json.h) resolving the buffer name in `buffers`, which indexes `prog`.
View parse_view(const Program& prog, const BufferIndex& buffers, std::string_view text);

// Non-finite floats are written as the strings "inf", "-inf" and "nan" (JSON has no literal
// for them); finite numbers as JSON numbers that round trip doubles exactly.
nlohmann::json number_to_json(double v);
// True and sets *out if `j` is a JSON number or one of the non-finite strings.
bool json_to_number(const nlohmann::json& j, double* out);

}  // namespace trnsim::isa::trace_internal
