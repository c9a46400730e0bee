// Trace files of either format: the reader picks the format by the file's first bytes, the
// writer by the file name's extension.
#include <filesystem>
#include <fstream>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_json.h"

namespace trnsim::isa {

bool has_binary_trace_extension(std::string_view path) {
  return path.size() >= kBinaryTraceExtension.size() &&
         path.substr(path.size() - kBinaryTraceExtension.size()) == kBinaryTraceExtension;
}

Program read_any_trace_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": not a regular file (a directory or device cannot be a trace)");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open trace file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(path + ": cannot read the trace file's size");
  std::string head(std::min<size_t>(size_t(size), kBinaryTraceMagic.size()), '\0');
  in.seekg(0);
  if (!in.read(head.data(), std::streamsize(head.size())))
    throw Error(path + ": cannot read trace file");
  if (!is_binary_trace(head)) return read_trace_file(path);
  std::string bytes(size_t(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), std::streamsize(bytes.size())))
    throw Error(path + ": cannot read trace file");
  return program_from_binary(bytes, path);
}

void write_trace_file_by_name(const Program& prog, const std::string& path) {
  if (has_binary_trace_extension(path))
    write_binary_trace_file(prog, path);
  else
    write_trace_file(prog, path);
}

}  // namespace trnsim::isa
