// The JSON trace format, version 1 (schema: `trnsim schema`, generated from the table).
//
// {
//   "format": "trnsim-trace", "version": 1, "name": "rmsnorm",
//   "tensors": [{"name": "x", "shape": [128, 2048], "dtype": "bfloat16", "role": "input"}],
//   "tiles":   [{"name": "xt", "memory": "sbuf", "partitions": 128, "shape": [2048],
//                "dtype": "bfloat16", "address": 0}],        // address optional
//   "instructions": [
//     {"op": "dma_copy", "dst": "xt", "src": "x[0:128, 0:2048]", "label": "load x"},
//     {"op": "activation", "dst": "yt[:, 0:512]", "src": "xt[:, 0:512]", "func": "exp",
//      "scale": 2.0, "engine": "scalar"}
//   ]
// }
// Views are strings "name" (whole buffer) or "name[s0, s1, ...]" with one NumPy-style slice
// per dimension (start:stop[:step], omitted bounds = whole dim, an integer i = i:i+1; fewer
// slices than dims = the remaining dims whole). Operands and attributes are keys of the
// instruction object named as in the table; "engine" and "label" are optional.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "isa/program.h"

namespace trnsim::isa {

inline constexpr int kTraceFormatVersion = 1;

// Parse errors throw trnsim::Error naming the instruction index, the field and the reason.
Program program_from_json(const nlohmann::json& j);
Program read_trace_file(const std::string& path);
// The whole content of the trace file at `path` (a regular file); throws trnsim::Error naming
// the path when it cannot be read.
std::string read_trace_bytes(const std::string& path);
// A JSON trace from its text; errors are prefixed with `path`.
Program program_from_json_text(std::string text, const std::string& path);
nlohmann::json program_to_json(const Program& prog);  // round trip is exact
// The canonical file text: program_to_json's content with "op" first in each instruction and
// one tensor, tile or instruction per line. Stable: equal programs give equal text.
std::string trace_to_text(const Program& prog);
void write_trace_file(const Program& prog, const std::string& path);

// View text <-> View (the text form used in traces and error messages).
View parse_view(const Program& prog, std::string_view text);  // throws trnsim::Error
std::string view_to_string(const Program& prog, const View& v);
void append_view_text(std::string* out, const Program& prog, const View& v);  // the same, appended
void append_int(std::string* out, int64_t v);  // decimal digits (std::to_chars's), appended

// The schema reference printed by `trnsim schema`.
std::string trace_schema_text();

}  // namespace trnsim::isa
