// Host memory as the kernel reports it, for refusing up front an allocation that cannot fit
// (value images of HBM tensors, model weights) instead of ending in std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>

namespace trnsim::isa {

// Bytes a new allocation can get (MemAvailable of /proc/meminfo), or 0 if unknown.
int64_t available_host_bytes();

// Throws Error("<what> need <bytes> bytes of host memory, <available> bytes available (<hint>)")
// when `bytes` exceeds the available host memory; does nothing when that is unknown.
void check_host_memory(int64_t bytes, const std::string& what, const std::string& hint);

}  // namespace trnsim::isa
