// Fuzzes the .npy reader (through a file, as trnsim reads inputs) and the conversion of what it
// reads into every storage dtype.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "isa/npy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/trnsim_fuzz_npy_" + std::to_string(getpid()) + ".npy";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  trnsim::fuzz::expect_value_or_trnsim_error([&] {
    const trnsim::isa::NpyArray a = trnsim::isa::read_npy(path);
    if (a.elements() > (1 << 16)) return;  // conversions are linear; keep executions fast
    for (int t = 0; t < trnsim::isa::kNumDTypes; ++t) {
      try {
        trnsim::isa::npy_to_storage(a, trnsim::isa::DType(t));
      } catch (const trnsim::Error&) {
      }
    }
  });
  return 0;
}
