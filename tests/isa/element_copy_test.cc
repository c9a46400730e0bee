// The functional plane's data movement fast paths against the reference path they replace:
// same-dtype copies (copy_elements: paired runs, or staged when the views may overlap) give the
// memory image that read_bits(src) then write_bits(dst) gives, for random strided views of
// every element size; bulk fp32 -> dtype stores (encode_values, strided bf16 writes) give
// store_element's bits.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "isa/npy.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::slice;

// A random strided slice of `whole` with the given dims (partition dim first).
std::vector<Slice> random_slices(std::mt19937& gen, const std::vector<int64_t>& shape) {
  std::vector<Slice> dims;
  for (int64_t extent : shape) {
    const int64_t start = std::uniform_int_distribution<int64_t>(0, extent - 1)(gen);
    const int64_t stop = std::uniform_int_distribution<int64_t>(start + 1, extent)(gen);
    dims.push_back({start, stop, std::uniform_int_distribution<int64_t>(1, 3)(gen)});
  }
  return dims;
}

int64_t count_of(const std::vector<Slice>& dims) {
  int64_t n = 1;
  for (const Slice& s : dims) n *= (s.stop - s.start + s.step - 1) / s.step;
  return n;
}

// A dst slice of a [16, 3 * count] tile holding `count` elements: a random divisor of count as
// partitions (strided), the rest along the free dim at a random stride.
std::vector<Slice> dst_slices(std::mt19937& gen, int64_t count) {
  std::vector<int64_t> divisors;
  for (int64_t d = 1; d <= 8; ++d)
    if (count % d == 0) divisors.push_back(d);
  std::uniform_int_distribution<size_t> pick(0, divisors.size() - 1);
  const int64_t parts = divisors[pick(gen)];
  const int64_t pstep = std::uniform_int_distribution<int64_t>(1, 2)(gen);
  const int64_t free = count / parts, fstep = std::uniform_int_distribution<int64_t>(1, 3)(gen);
  const int64_t fstart = std::uniform_int_distribution<int64_t>(0, 2)(gen);
  return {{0, (parts - 1) * pstep + 1, pstep}, {fstart, fstart + (free - 1) * fstep + 1, fstep}};
}

struct Layout {
  DType dtype;
  bool src_in_hbm;
};

// Bytes per partition covering both tiles (src <= 210 elements, dst <= 3 * 1680, 4 bytes each).
constexpr int64_t kSpan = 24 * 1024;

// Builds the same program twice; copies with copy_elements in one and with the bits round trip
// in the other; compares every byte of both memory images.
void expect_copy_matches_bits_round_trip(const Layout& l, uint32_t seed) {
  std::mt19937 gen(seed);
  const std::vector<int64_t> src_shape = {8, 5, 7, 6};
  for (int trial = 0; trial < 60; ++trial) {
    const std::vector<Slice> src_dims = random_slices(gen, src_shape);
    const int64_t count = count_of(src_dims);
    const std::vector<Slice> dst_dims = dst_slices(gen, count);
    CoreBench fast, ref;
    View src_f, src_r, dst_f, dst_r;
    for (CoreBench* b : {&fast, &ref}) {
      View src = l.src_in_hbm ? b->hbm("src", src_shape, l.dtype)
                              : b->sbuf("src", 8, {5, 7, 6}, l.dtype);
      View dst = b->sbuf("dst", 16, {3 * count}, l.dtype);
      (b == &fast ? src_f : src_r) = slice(src, src_dims);
      (b == &fast ? dst_f : dst_r) = slice(dst, dst_dims);
    }
    // The same pseudo-random storage bytes in both states, over both tiles' extent.
    const uint32_t salt = seed * 7919u + uint32_t(trial);
    auto byte_at = [salt](uint64_t i) { return uint8_t(((i + salt) * 2654435761u) >> 13); };
    for (CoreBench* b : {&fast, &ref}) {
      for (int64_t p = 0; p < 16; ++p)
        for (int64_t i = 0; i < kSpan; ++i)
          b->state().sbuf_partition(p)[i] = byte_at(uint64_t(p * kSpan + i));
      if (l.src_in_hbm) {
        std::vector<uint8_t>& image = b->state().hbm(0);
        for (size_t i = 0; i < image.size(); ++i) image[i] = byte_at(i + 999);
      }
    }
    fast.state().copy_elements(dst_f, src_f);
    ref.state().write_bits(dst_r, ref.state().read_bits(src_r));
    for (int64_t p = 0; p < 16; ++p)
      ASSERT_EQ(
          std::memcmp(fast.state().sbuf_partition(p), ref.state().sbuf_partition(p), kSpan), 0)
          << dtype_name(l.dtype) << " trial " << trial << " partition " << p;
  }
}

TEST(CopyElements, PairedRunsMatchTheBitsRoundTripHbmToSbuf) {
  expect_copy_matches_bits_round_trip({DType::kBf16, true}, 1);
  expect_copy_matches_bits_round_trip({DType::kFp32, true}, 2);
  expect_copy_matches_bits_round_trip({DType::kFp8E4M3, true}, 3);
}

TEST(CopyElements, PairedRunsMatchTheBitsRoundTripSbufToSbuf) {
  expect_copy_matches_bits_round_trip({DType::kInt16, false}, 4);
  expect_copy_matches_bits_round_trip({DType::kInt32, false}, 5);
  expect_copy_matches_bits_round_trip({DType::kUint8, false}, 6);
}

// Overlapping views of one tile copy as if src were read first (the staged path).
TEST(CopyElements, OverlappingViewsCopyAsIfSrcWereReadFirst) {
  for (int64_t shift : {-3, -1, 1, 2, 5}) {
    CoreBench fast, ref;
    View t_f = fast.sbuf("t", 4, {32}, DType::kBf16);
    View t_r = ref.sbuf("t", 4, {32}, DType::kBf16);
    for (CoreBench* b : {&fast, &ref})
      for (int64_t p = 0; p < 4; ++p)
        for (int i = 0; i < 64; ++i) b->state().sbuf_partition(p)[i] = uint8_t(p * 64 + i);
    const std::vector<Slice> src = {{0, 4, 1}, {8, 24, 1}};
    const std::vector<Slice> dst = {{0, 4, 1}, {8 + shift, 24 + shift, 1}};
    fast.state().copy_elements(slice(t_f, dst), slice(t_f, src));
    ref.state().write_bits(slice(t_r, dst), ref.state().read_bits(slice(t_r, src)));
    for (int64_t p = 0; p < 4; ++p)
      ASSERT_EQ(std::memcmp(fast.state().sbuf_partition(p), ref.state().sbuf_partition(p), 64), 0)
          << "shift " << shift;
  }
}

// encode_values and the strided bf16 write path give store_element's bits for every dtype.
TEST(EncodeValues, BulkAndStridedStoresMatchStoreElement) {
  std::mt19937 gen(9);
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = uint32_t(gen());
    if (i % 3 == 0) bits = (bits & 0x807FFFFFu) | 0x3F800000u;  // ordinary magnitudes
    if (i % 7 == 1) bits = (bits & 0xFFFF0000u) | 0x8000u;      // bf16 ties
    std::memcpy(&values[i], &bits, 4);
  }
  for (int t = 0; t < kNumDTypes; ++t) {
    const DType dtype = DType(t);
    const int esize = dtype_bytes(dtype);
    std::vector<uint8_t> got(values.size() * size_t(esize)), want(got.size());
    encode_values(dtype, values.data(), int64_t(values.size()), got.data());
    for (size_t i = 0; i < values.size(); ++i)
      store_element(dtype, values[i], want.data() + i * esize);
    EXPECT_EQ(got, want) << dtype_name(dtype);
  }
  // A strided bf16 view write (every other element) against encode() per element.
  CoreBench b;
  View t = b.sbuf("t", 1, {2000}, DType::kBf16);
  Matrix m(1, 1000);
  for (int i = 0; i < 1000; ++i) m(0, i) = values[size_t(i)];
  b.fill(slice(t, {{0, 1, 1}, {0, 2000, 2}}), m);
  for (int i = 0; i < 1000; ++i) {
    uint16_t h;
    std::memcpy(&h, b.state().sbuf_partition(0) + 4 * i, 2);
    ASSERT_EQ(h, encode(DType::kBf16, values[size_t(i)])) << i;
  }
}

// Output .npy of a bf16 tensor: every one of the 65536 patterns gives the fp32 bits of its
// decoded value (NaN payloads included).
TEST(StorageToNpy, Bf16PatternsGiveTheDecodedFp32Bits) {
  std::vector<uint8_t> storage(65536 * 2);
  for (uint32_t i = 0; i < 65536; ++i) {
    storage[i * 2] = uint8_t(i);
    storage[i * 2 + 1] = uint8_t(i >> 8);
  }
  const NpyArray a = storage_to_npy(storage.data(), 65536, DType::kBf16, {65536});
  ASSERT_EQ(a.data.size(), size_t(65536 * 4));
  for (uint32_t i = 0; i < 65536; ++i) {
    uint32_t got;
    std::memcpy(&got, a.data.data() + i * 4, 4);
    ASSERT_EQ(got, encode(DType::kFp32, load_element(DType::kBf16, storage.data() + i * 2))) << i;
  }
}

}  // namespace
}  // namespace trnsim::isa
