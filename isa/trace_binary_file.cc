// Trace files of either format: the reader picks the format by the file's first bytes, the
// writer by the file name's extension.
#include <utility>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_json.h"

namespace trnsim::isa {

bool has_binary_trace_extension(std::string_view path) {
  return path.size() >= kBinaryTraceExtension.size() &&
         path.substr(path.size() - kBinaryTraceExtension.size()) == kBinaryTraceExtension;
}

Program read_any_trace_file(const std::string& path) {
  std::string bytes = read_trace_bytes(path);
  if (is_binary_trace(bytes)) return program_from_binary(bytes, path);
  // A .trnb file that is not a JSON text either: name what its first bytes should be, not a
  // JSON syntax error at byte 0.
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  if (has_binary_trace_extension(path) && (first == std::string::npos || bytes[first] != '{')) {
    throw Error(path + ": not a binary trace: it does not start with the 8 bytes " +
                "\\x89 T R N B \\r \\n \\x1a of the format (isa/TRACE_BINARY.md); its first " +
                "bytes are '" + bounded(std::string_view(bytes).substr(0, 8)) + "'");
  }
  return program_from_json_text(std::move(bytes), path);
}

void write_trace_file_by_name(const Program& prog, const std::string& path) {
  if (has_binary_trace_extension(path))
    write_binary_trace_file(prog, path);
  else
    write_trace_file(prog, path);
}

}  // namespace trnsim::isa
