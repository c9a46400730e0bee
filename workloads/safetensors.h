// Reader (and a small writer, for tests and tools) of the safetensors format: an 8-byte
// little-endian header length N, N bytes of JSON header mapping tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the end of the header)
// plus an optional "__metadata__" string map, then the raw little-endian data.
// Supported dtypes: BF16, F16, F32 (converted to float). Errors (trnsim::Error naming file and
// tensor): truncated file, header not JSON, unknown dtype, offsets out of range or not matching
// shape x dtype size, overlapping tensor ranges.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "isa/dtype.h"

namespace trnsim::workloads {

struct SafeTensor {
  isa::DType dtype = isa::DType::kFp32;
  std::vector<int64_t> shape;
  std::vector<float> values;  // C order
  int64_t elements() const;
};

struct SafeTensorsFile {
  std::map<std::string, std::string> metadata;
  std::map<std::string, SafeTensor> tensors;
  const SafeTensor& at(const std::string& name) const;  // throws trnsim::Error naming `name`
};

// `where` names the source in error messages.
SafeTensorsFile parse_safetensors(const std::string& bytes, const std::string& where);
SafeTensorsFile read_safetensors(const std::string& path);

// Writes `file` (values rounded into each tensor's dtype), tensors in name order, contiguous.
std::string serialize_safetensors(const SafeTensorsFile& file);
void write_safetensors(const std::string& path, const SafeTensorsFile& file);

}  // namespace trnsim::workloads
