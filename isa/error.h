// The one exception type for bad input (trace, config, kernel, model file) and for simulated
// hardware limits. Messages name what and where, e.g.
// "instruction 17 (nc_matmul): moving tile has 256 partitions, limit 128".
#pragma once

#include <stdexcept>
#include <string>

namespace trnsim {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trnsim
