#include "sim/random_values.h"

#include <array>
#include <cmath>
#include <string>

#include "isa/error.h"

namespace trnsim::sim {
namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio, SplitMix64's step

// SplitMix64's output function (a bijective 64-bit mixer).
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Ziggurat of 256 equal-area layers under exp(-x^2/2): R is the base layer's right edge, V each
// layer's area (Marsaglia and Tsang 2000, section 3).
constexpr int kLayers = 256;
constexpr double kR = 3.6541528853610088;
constexpr double kV = 4.92867323399e-3;

double unnormalised_pdf(double x) { return std::exp(-0.5 * x * x); }

struct Ziggurat {
  std::array<double, kLayers + 1> x;  // layer i spans [0, x[i]]; x[0] = V / f(R), x[kLayers] = 0
  std::array<double, kLayers> inner;  // x[i+1] / x[i]: |u| below it is inside the next layer
};

Ziggurat make_ziggurat() {
  Ziggurat z{};
  double f = unnormalised_pdf(kR);
  z.x[0] = kV / f;
  z.x[1] = kR;
  for (int i = 2; i < kLayers; ++i) {
    z.x[size_t(i)] = std::sqrt(-2 * std::log(kV / z.x[size_t(i - 1)] + f));
    f = unnormalised_pdf(z.x[size_t(i)]);
  }
  z.x[kLayers] = 0;
  for (int i = 0; i < kLayers; ++i) z.inner[size_t(i)] = z.x[size_t(i + 1)] / z.x[size_t(i)];
  return z;
}

const Ziggurat& ziggurat() {
  static const Ziggurat z = make_ziggurat();
  return z;
}

// The low 8 bits pick the layer; the top 53 bits, signed, give u in (-1, 1).
int layer_of(uint64_t b) { return int(b & (kLayers - 1)); }
double signed_unit(uint64_t b) { return double(int64_t(b) >> 11) * 0x1.0p-52; }

}  // namespace

RandomStream::RandomStream(uint64_t seed, uint64_t stream)
    : key_(mix64(mix64(seed) + (stream + 1) * kGamma)), fallback_state_(mix64(~key_)) {}

uint64_t RandomStream::bits(uint64_t index) const { return mix64(key_ + (index + 1) * kGamma); }

void RandomStream::normals(uint64_t first, int64_t n, float* out) {
  const Ziggurat& z = ziggurat();
  for (int64_t k = 0; k < n; ++k) {
    const uint64_t b = bits(first + uint64_t(k));
    const int i = layer_of(b);
    const double u = signed_unit(b);
    out[k] = float(std::fabs(u) < z.inner[size_t(i)] ? u * z.x[size_t(i)] : rejected_normal(b));
  }
}

// A draw outside its layer's inner rectangle (about 1% of draws): finished on the fallback stream.
double RandomStream::rejected_normal(uint64_t first_draw) {
  const Ziggurat& z = ziggurat();
  for (uint64_t draw = first_draw;; draw = fallback_bits()) {
    const int layer = layer_of(draw);
    const double v = signed_unit(draw);
    if (std::fabs(v) < z.inner[size_t(layer)]) return v * z.x[size_t(layer)];
    if (layer == 0) {  // the tail beyond R (Marsaglia 1964)
      double t, y;
      do {
        t = -std::log(1 - fallback_unit()) / kR;
        y = -std::log(1 - fallback_unit());
      } while (2 * y < t * t);
      return v < 0 ? -(kR + t) : kR + t;
    }
    const double x = v * z.x[size_t(layer)];
    const double f_outer = unnormalised_pdf(z.x[size_t(layer)]);
    const double f_inner = unnormalised_pdf(z.x[size_t(layer + 1)]);
    if (f_outer + fallback_unit() * (f_inner - f_outer) < unnormalised_pdf(x)) return x;
  }
}

void RandomStream::uniform_ints(uint64_t first, int64_t n, int64_t lo, int64_t hi,
                                float* out) const {
  if (hi < lo || hi - lo >= (int64_t(1) << 24))
    throw Error("RandomStream::uniform_ints: range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "] is empty or wider than 2^24");
  const uint64_t span = uint64_t(hi - lo) + 1;
  for (int64_t k = 0; k < n; ++k)
    out[k] = float(lo + int64_t((span * (bits(first + uint64_t(k)) >> 32)) >> 32));
}

uint64_t RandomStream::fallback_bits() { return mix64(fallback_state_ += kGamma); }

double RandomStream::fallback_unit() { return double(fallback_bits() >> 11) * 0x1.0p-53; }

}  // namespace trnsim::sim
