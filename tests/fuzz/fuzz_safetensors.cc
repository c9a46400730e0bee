// Fuzzes the safetensors parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_util.h"
#include "workloads/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  trnsim::fuzz::expect_value_or_trnsim_error(
      [&] { trnsim::workloads::parse_safetensors(bytes, "fuzz.safetensors"); });
  return 0;
}
