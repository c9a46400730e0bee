// Fuzzes the hardware-config reader: the bytes are a config file, or (first byte '=') lines of
// --set overrides applied to trn1.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const trnsim::sim::HwConfig base = trnsim::sim::load_target("trn1");
  const std::string text(reinterpret_cast<const char*>(data), size);
  trnsim::fuzz::expect_value_or_trnsim_error([&] {
    if (!text.empty() && text[0] == '=') {
      std::vector<std::string> sets;
      std::istringstream lines(text.substr(1));
      for (std::string line; std::getline(lines, line);) sets.push_back(line);
      const trnsim::sim::HwConfig c = trnsim::sim::with_overrides(base, sets);
      trnsim::sim::cycles_to_ps(c.vector.min_ii_cycles, c.clocks.vector_ghz);
      return;
    }
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return;
    trnsim::sim::config_from_json(j, "fuzz");
  });
  return 0;
}
