// The binary trace format ("trnsim-trace" binary, version 1; spec: isa/TRACE_BINARY.md): the
// same isa::Program as the JSON trace (isa/trace_json.h), compact and fast to read, for
// programs handed from one tool to another (the NKI front end to `trnsim run`). JSON stays the
// format for people and tools; `trnsim convert` turns one into the other.
//
// Everything the format names (opcodes, operand roles, attributes, dtypes, engines, ALU
// operators, activation functions) is written as text in the file's string table and resolved
// against this build's instruction table (isa/instructions.def) when read, so a new
// instruction needs no format change and a table change that would misread a file is an error.
#pragma once

#include <string>
#include <string_view>

#include "isa/program.h"

namespace trnsim::isa {

inline constexpr int kBinaryTraceVersion = 1;
// The first 8 bytes of every binary trace (a JSON text cannot start with byte 0x89).
inline constexpr std::string_view kBinaryTraceMagic("\x89TRNB\r\n\x1a", 8);
// File names that `trnsim bench --write-trace` and `trnsim convert` write in binary.
inline constexpr std::string_view kBinaryTraceExtension = ".trnb";

// True if `bytes` starts with kBinaryTraceMagic.
bool is_binary_trace(std::string_view bytes);

// Decodes a binary trace. Errors throw trnsim::Error "SOURCE: byte N: WHERE: field 'F': WHY",
// where SOURCE is `source` (the file name), N the offset of the bad field and WHERE as the
// JSON reader says it ("instruction 17 (nc_matmul) 'label'", "tile 'xt'").
Program program_from_binary(std::string_view bytes, const std::string& source);
// Encodes `prog`; program_from_binary(program_to_binary(p)) == p field for field. Throws
// trnsim::Error for a program no trace can hold (a view whose rank is not its buffer's, an
// int attribute that is not an integer).
std::string program_to_binary(const Program& prog);
void write_binary_trace_file(const Program& prog, const std::string& path);

// Reads a trace file of either format, chosen by its first bytes (the binary magic, else
// JSON), never by its name.
Program read_any_trace_file(const std::string& path);
// Writes binary if `path` ends in kBinaryTraceExtension, else canonical JSON.
void write_trace_file_by_name(const Program& prog, const std::string& path);
bool has_binary_trace_extension(std::string_view path);

}  // namespace trnsim::isa
