// Fuzzes the trace readers (JSON, and binary for inputs with its magic bytes), the validator and
// the timing plan on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "isa/trace_binary.h"
#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const trnsim::sim::HwConfig cfg = trnsim::sim::load_target("trn2");
  const std::string text(reinterpret_cast<const char*>(data), size);
  trnsim::fuzz::expect_value_or_trnsim_error([&] {
    if (trnsim::isa::is_binary_trace(text)) {
      trnsim::isa::Program prog = trnsim::isa::program_from_binary(text, "input");
      trnsim::isa::validate(prog, cfg.memory.limits);
      trnsim::sim::build_plan(prog, cfg);
      return;
    }
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return;
    trnsim::isa::Program prog = trnsim::isa::program_from_json(j);
    trnsim::isa::validate(prog, cfg.memory.limits);
    trnsim::sim::build_plan(prog, cfg);
  });
  return 0;
}
