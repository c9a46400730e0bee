// Shared by the fuzz targets: the contract every reader must keep on arbitrary bytes is "return
// a value or throw trnsim::Error"; any other exception escaping is a bug and aborts the run so
// libFuzzer records the input as a crasher.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "isa/error.h"

namespace trnsim::fuzz {

template <typename F>
void expect_value_or_trnsim_error(F&& f) {
  try {
    f();
  } catch (const trnsim::Error& e) {
    // Messages are bounded (issue: no unbounded echo of input).
    if (std::string(e.what()).size() > 4096) {
      std::fprintf(stderr, "fuzz: error message of %zu characters\n", std::string(e.what()).size());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: non-trnsim exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace trnsim::fuzz
