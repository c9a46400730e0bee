// Fuzzes the Hugging Face config.json reader and the per-rank shapes derived from a config.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_util.h"
#include "workloads/hf_config.h"
#include "workloads/tensor_parallel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  trnsim::fuzz::expect_value_or_trnsim_error([&] {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return;
    const trnsim::workloads::ModelConfig c = trnsim::workloads::parse_hf_config(j, "fuzz.json");
    trnsim::workloads::rank_shapes(c, 1);
  });
  return 0;
}
