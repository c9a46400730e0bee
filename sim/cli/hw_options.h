// The hardware selection options shared by every simulating subcommand:
// --target trn1|trn2|trn3, --hw FILE.json, --set key.path=value (repeatable).
#pragma once

#include <CLI/CLI.hpp>

#include "sim/session.h"

namespace trnsim::cli {

inline void add_hw_options(CLI::App& cmd, sim::HwSelection& hw) {
  cmd.add_option("--target,-t", hw.target, "hardware generation: trn1, trn2 or trn3")
      ->capture_default_str();
  cmd.add_option("--hw", hw.hw_file, "hardware config file (same schema as sim/configs/*.json)");
  cmd.add_option("--set", hw.sets, "override a config number: key.path=value (repeatable)");
}

}  // namespace trnsim::cli
