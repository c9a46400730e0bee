// Runtime (data-dependent) addressing: the view an instruction with a runtime offset really
// accesses. Its operand names the static bounding range; along one free dim `dim` it touches
// the `window` consecutive indices of that range starting at the runtime index `k`.
// Shared by the validator (k = 0 gives the window's shape) and the functional plane.
#pragma once

#include <cstdint>

#include "isa/program.h"

namespace trnsim::isa {

// True if a window of `window` indices starting at index k fits in dim `dim` of `bound`.
inline bool window_fits(const View& bound, int dim, int64_t window, int64_t k) {
  const int64_t count = bound.dims[size_t(dim)].count();
  return k >= 0 && window >= 1 && window <= count && k <= count - window;
}

// The sub-view of `bound` whose dim `dim` keeps indices [k, k + window) of its slice. The
// caller checks window_fits() first.
inline View window_view(const View& bound, int dim, int64_t window, int64_t k) {
  View v = bound;
  Slice& s = v.dims[size_t(dim)];
  const int64_t start = s.start + k * s.step;
  s.stop = start + (window - 1) * s.step + 1;
  s.start = start;
  return v;
}

}  // namespace trnsim::isa
