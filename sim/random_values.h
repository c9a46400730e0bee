// Seeded pseudo-random values for tensors that no input file fills.
#pragma once

#include <cstdint>

namespace trnsim::sim {

// One stream of values per (seed, stream id). Draws are counter-based (SplitMix64 of the stream
// key plus index * golden gamma; Steele, Lea and Flood 2014), so value i needs no sequential
// state; normal values come from the Marsaglia-Tsang ziggurat with 256 layers (J. Stat. Softw.
// 5(8), 2000). The rare draw the ziggurat rejects (about 1 in 100) is replaced from the stream's
// own sequential fallback generator, so a stream read in index order is fully deterministic.
class RandomStream {
 public:
  RandomStream(uint64_t seed, uint64_t stream);

  // out[k] = a standard normal N(0, 1) value for index first + k, k < n (computed in float64).
  void normals(uint64_t first, int64_t n, float* out);
  // out[k] = an integer uniform in [lo, hi] for index first + k; needs lo <= hi and
  // hi - lo < 2^24 (exact in float). APPROX: multiply-shift mapping of 32 bits, so a value's
  // probability is off by less than (hi - lo + 1) / 2^32 relative.
  void uniform_ints(uint64_t first, int64_t n, int64_t lo, int64_t hi, float* out) const;

 private:
  uint64_t bits(uint64_t index) const;  // 64 uniformly distributed bits for counter `index`
  double rejected_normal(uint64_t first_draw);
  uint64_t fallback_bits();
  double fallback_unit();

  uint64_t key_;
  uint64_t fallback_state_;
};

}  // namespace trnsim::sim
