#include "isa/host_memory.h"

#include <fstream>

#include "isa/error.h"

namespace trnsim::isa {

int64_t available_host_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

void check_host_memory(int64_t bytes, const std::string& what, const std::string& hint) {
  const int64_t available = available_host_bytes();
  if (available > 0 && bytes > available)
    throw Error(what + " need " + std::to_string(bytes) + " bytes of host memory, " +
                std::to_string(available) + " bytes available (" + hint + ")");
}

}  // namespace trnsim::isa
