// Initial HBM contents of a run: tensors given as .npy files, the rest seeded random data.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "isa/semantics/machine_state.h"

namespace trnsim::sim {

// Fills every HBM tensor of role input or constant: from `files` (tensor name -> .npy path,
// shape must match exactly, values rounded into the tensor dtype; "FILE.npy:DTYPE" declares
// the values' dtype, which must be the tensor's, and then a uint8/uint16 file of an fp8/16-bit
// float dtype is read as raw storage bits, as ml_dtypes arrays are) or, when absent, from
// seeded random values (floats: normal(0, 1); ints: uniform in [-8, 8] or [0, 16]). Output and
// scratch tensors start zeroed. Throws trnsim::Error for an unknown name or a shape mismatch.
void load_inputs(isa::MachineState& st, const std::map<std::string, std::string>& files,
                 uint64_t seed);

// Parses "NAME=FILE" strings into a map; throws trnsim::Error on a malformed item.
std::map<std::string, std::string> parse_name_file_pairs(const std::vector<std::string>& items);

}  // namespace trnsim::sim
