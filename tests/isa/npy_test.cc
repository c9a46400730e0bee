// .npy reader/writer: round trips, files written by numpy itself, every error case, and the
// conversions between npy arrays and dtype storage.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/npy.h"
#include "tests/temp_dir.h"

namespace trnsim::isa {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return tmp_ / name; }

  void write_raw(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }

  // A file with the given version and header text (padded like numpy does), then `data`.
  void write_with_header(const std::string& name, int major, std::string header,
                         const std::string& data) const {
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = std::string("\x93NUMPY", 6) + char(major) + char(0);
    const size_t len = header.size();
    for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out += char((len >> (8 * i)) & 0xFF);
    write_raw(name, out + header + data);
  }

  // Expects read_npy to throw an Error mentioning the file name and `reason`.
  void expect_read_error(const std::string& name, const std::string& reason) const {
    try {
      read_npy(path(name));
      FAIL() << name << ": no error, expected '" << reason << "'";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
      EXPECT_NE(msg.find(reason), std::string::npos) << msg;
    }
  }

  trnsim::testing::TempDir tmp_;
};

// Expects npy_to_storage(a, t) to throw an Error mentioning `reason`.
void expect_storage_error(const NpyArray& a, DType t, const std::string& reason) {
  try {
    npy_to_storage(a, t);
    FAIL() << "no error, expected '" << reason << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

std::vector<uint8_t> pattern_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 37 + 11);
  return v;
}

float f32_at(const NpyArray& a, int64_t i) {
  float v;
  std::memcpy(&v, a.data.data() + i * 4, 4);
  return v;
}

TEST_F(NpyTest, RoundTripEveryDtypeAndShape) {
  const char* descrs[] = {"<f2", "<f4", "<f8", "|i1", "<i2", "<i4", "<i8",
                          "|u1", "<u2", "<u4", "<u8", "|b1"};
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3}, {2, 1, 4}, {0, 3}};
  for (const char* d : descrs) {
    for (const auto& shape : shapes) {
      NpyArray a;
      a.descr = d;
      a.shape = shape;
      a.data = pattern_bytes(size_t(a.elements() * npy_item_bytes(d)));
      if (a.descr == "|b1") {
        for (auto& b : a.data) b &= 1;
      }
      write_npy(path("a.npy"), a);
      const NpyArray b = read_npy(path("a.npy"));
      EXPECT_EQ(b.descr, a.descr);
      EXPECT_EQ(b.shape, a.shape);
      EXPECT_EQ(b.data, a.data) << d;
      EXPECT_EQ(fs::file_size(path("a.npy")) % 64, a.data.size() % 64);  // 64-byte header
    }
  }
}

TEST_F(NpyTest, ItemBytes) {
  EXPECT_EQ(npy_item_bytes("<f8"), 8);
  EXPECT_EQ(npy_item_bytes("|b1"), 1);
  EXPECT_EQ(npy_item_bytes("<u2"), 2);
  EXPECT_THROW(npy_item_bytes("<c8"), Error);
}

TEST_F(NpyTest, ReadsVersions2And3AndHeaderVariants) {
  const std::string data("\x01\x00\x02\x00\x03\x00", 6);
  write_with_header("v2.npy", 2, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }",
                    data);
  write_with_header("v3.npy", 3, "{\"shape\": (1, 3), \"descr\": \"<u2\", \"fortran_order\": False}",
                    data);
  write_with_header("long.npy", 1, "{'descr': '=i2', 'fortran_order': False, 'shape': (3L,), }",
                    data);
  const NpyArray v2 = read_npy(path("v2.npy"));
  EXPECT_EQ(v2.descr, "<i2");
  EXPECT_EQ(v2.shape, std::vector<int64_t>({3}));
  EXPECT_EQ(v2.data, std::vector<uint8_t>({1, 0, 2, 0, 3, 0}));
  const NpyArray v3 = read_npy(path("v3.npy"));
  EXPECT_EQ(v3.descr, "<u2");
  EXPECT_EQ(v3.shape, std::vector<int64_t>({1, 3}));
  EXPECT_EQ(read_npy(path("long.npy")).shape, std::vector<int64_t>({3}));
}

TEST_F(NpyTest, ReadsFilesWrittenByNumpy) {
  const std::string script = path("gen.py");
  std::ofstream(script) << R"PY(
import sys, numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
np.save(d + '/f32.npy', np.array([[1.5, -2.0, 3.25], [0.1, 1e30, -0.0]], dtype=np.float32))
np.save(d + '/f64.npy', np.array([1.0 + 2.0**-8 + 2.0**-40, -3.5], dtype=np.float64))
np.save(d + '/f16.npy', np.array([65504, 2.0**-24], dtype=np.float16))
np.save(d + '/bool.npy', np.array([[True, False], [False, True]]))
np.save(d + '/i64.npy', np.array([-(2**40), 7, 2**62], dtype=np.int64))
np.save(d + '/u16.npy', np.array([65535, 0, 1], dtype=np.uint16))
np.save(d + '/i8.npy', np.array([-128, 127], dtype=np.int8))
np.save(d + '/scalar.npy', np.float32(4.0))
with open(d + '/v2.npy', 'wb') as f:
    fmt.write_array(f, np.arange(6, dtype=np.int32).reshape(2, 3), version=(2, 0))
np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save(d + '/big.npy', np.array([1, 2], dtype='>i4'))
np.save(d + '/complex.npy', np.array([1j], dtype=np.complex64))
np.save(d + '/record.npy', np.zeros(2, dtype=[('a', '<i4'), ('b', '<f4')]))
)PY";
  const std::string cmd = "/usr/bin/python3 " + script + " " + tmp_.path() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";

  const NpyArray f32 = read_npy(path("f32.npy"));
  EXPECT_EQ(f32.descr, "<f4");
  EXPECT_EQ(f32.shape, std::vector<int64_t>({2, 3}));
  EXPECT_EQ(f32_at(f32, 0), 1.5f);
  EXPECT_EQ(f32_at(f32, 2), 3.25f);
  EXPECT_EQ(f32_at(f32, 3), 0.1f);
  EXPECT_EQ(f32_at(f32, 4), 1e30f);

  const NpyArray b = read_npy(path("bool.npy"));
  EXPECT_EQ(b.descr, "|b1");
  EXPECT_EQ(b.data, std::vector<uint8_t>({1, 0, 0, 1}));
  std::vector<uint8_t> bf = npy_to_storage(b, DType::kBf16);
  EXPECT_EQ(bf, std::vector<uint8_t>({0x80, 0x3F, 0, 0, 0, 0, 0x80, 0x3F}));

  const NpyArray v2 = read_npy(path("v2.npy"));
  EXPECT_EQ(v2.descr, "<i4");
  EXPECT_EQ(v2.shape, std::vector<int64_t>({2, 3}));
  ASSERT_EQ(v2.data.size(), 24u);
  EXPECT_EQ(v2.data[20], 5);

  const NpyArray scalar = read_npy(path("scalar.npy"));
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.elements(), 1);
  EXPECT_EQ(f32_at(scalar, 0), 4.0f);

  // f8 -> bf16 with a single rounding: 1 + 2^-8 + 2^-40 is just above a tie, so it rounds up;
  // going through fp32 first (which drops the 2^-40) would wrongly give 1.0.
  const std::vector<uint8_t> f64_bf16 = npy_to_storage(read_npy(path("f64.npy")), DType::kBf16);
  EXPECT_EQ(f64_bf16, std::vector<uint8_t>({0x81, 0x3F, 0x60, 0xC0}));

  const std::vector<uint8_t> f16 = npy_to_storage(read_npy(path("f16.npy")), DType::kFp16);
  EXPECT_EQ(f16, std::vector<uint8_t>({0xFF, 0x7B, 0x01, 0x00}));

  // int64 -> int32 beyond int32's range is an error (no silent saturation); -> fp32 rounds.
  const NpyArray i64 = read_npy(path("i64.npy"));
  expect_storage_error(i64, DType::kInt32, "element 0 = -1099511627776");
  const NpyArray back = storage_to_npy(npy_to_storage(i64, DType::kFp32).data(), 3, DType::kFp32,
                                       {3});
  EXPECT_EQ(f32_at(back, 0), -std::ldexp(1.0f, 40));
  EXPECT_EQ(f32_at(back, 2), std::ldexp(1.0f, 62));

  expect_storage_error(read_npy(path("u16.npy")), DType::kInt8, "not an integer in the range of int8");
  expect_storage_error(read_npy(path("i8.npy")), DType::kUint8, "range of uint8");
  // Exact integers convert: int8 [-128, 127] -> int16.
  EXPECT_EQ(npy_to_storage(read_npy(path("i8.npy")), DType::kInt16),
            std::vector<uint8_t>({0x80, 0xFF, 0x7F, 0x00}));

  expect_read_error("fortran.npy", "Fortran");
  expect_read_error("big.npy", "big-endian");
  expect_read_error("complex.npy", "unsupported dtype");
  expect_read_error("record.npy", "unsupported dtype");
}

TEST_F(NpyTest, PythonReadsOurFiles) {
  NpyArray a;
  a.descr = "<f4";
  a.shape = {2, 2};
  a.data.resize(16);
  const float values[4] = {1.0f, -2.5f, 0.125f, 3e20f};
  std::memcpy(a.data.data(), values, 16);
  write_npy(path("ours.npy"), a);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load('" +
                          path("ours.npy") +
                          "'); sys.exit(0 if a.shape == (2, 2) and a.dtype == np.float32 and "
                          "a[1, 1] == np.float32(3e20) and a[0, 1] == -2.5 else 3)\" 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  if (rc != 0 && WEXITSTATUS(rc) != 3) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  EXPECT_EQ(rc, 0);
}

TEST_F(NpyTest, ErrorCases) {
  write_raw("magic.npy", std::string("\x93NUMPZ\x01\x00\x10\x00{}", 12));
  expect_read_error("magic.npy", "bad magic");
  write_raw("empty.npy", "");
  expect_read_error("empty.npy", "bad magic");
  write_with_header("v4.npy", 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                    "abcd");
  expect_read_error("v4.npy", "unsupported format version 4.0");
  write_with_header("fortran.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
                    "abcd");
  expect_read_error("fortran.npy", "Fortran");
  write_with_header("big.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                    "abcd");
  expect_read_error("big.npy", "big-endian");
  write_with_header("str.npy", 1, "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }",
                    "abcd");
  expect_read_error("str.npy", "unsupported dtype '<U1'");
  write_with_header("trunc.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                    "abcd");
  expect_read_error("trunc.npy", "truncated data");
  write_with_header("extra.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                    "abcdefgh");
  expect_read_error("extra.npy", "size mismatch");
  write_raw("trunc_header.npy", std::string("\x93NUMPY\x01\x00\x40\x00{'descr'", 17));
  expect_read_error("trunc_header.npy", "truncated header");
  write_with_header("noshape.npy", 1, "{'descr': '<f4', 'fortran_order': False}", "abcd");
  expect_read_error("noshape.npy", "no 'shape'");
  write_with_header("badshape.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
                    "abcd");
  expect_read_error("badshape.npy", "bad header");
  expect_read_error("missing.npy", "cannot open");

  NpyArray a;
  a.descr = "<f4";
  a.shape = {2, 2};
  a.data.resize(12);
  EXPECT_THROW(write_npy(path("w.npy"), a), Error);
  EXPECT_THROW(npy_to_storage(a, DType::kFp32), Error);
  a.data.resize(16);
  a.descr = "<c8";
  EXPECT_THROW(write_npy(path("w.npy"), a), Error);
  a.descr = ">f4";
  EXPECT_THROW(write_npy(path("w.npy"), a), Error);
  const uint8_t storage[4] = {0, 0, 0, 0};
  EXPECT_THROW(storage_to_npy(storage, 4, DType::kFp8E4M3, {3}), Error);
  try {
    write_npy(path("w.npy"), a);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w.npy"), std::string::npos);
  }
}

TEST_F(NpyTest, StorageToNpyKeepsExactValues) {
  // All 256 fp8 patterns of both formats, and a bf16 sweep, survive storage -> npy -> storage.
  for (DType t : {DType::kFp8E4M3, DType::kFp8E5M2, DType::kBf16, DType::kFp16}) {
    const int bytes = dtype_bytes(t);
    const int64_t n = bytes == 1 ? 256 : 65536;
    std::vector<uint8_t> storage(size_t(n * bytes));
    for (int64_t i = 0; i < n; ++i) {
      for (int b = 0; b < bytes; ++b) storage[size_t(i * bytes + b)] = uint8_t(i >> (8 * b));
    }
    const NpyArray a = storage_to_npy(storage.data(), n, t, {n});
    EXPECT_EQ(a.descr, t == DType::kFp16 ? "<f2" : "<f4");
    write_npy(path("s.npy"), a);
    const std::vector<uint8_t> back = npy_to_storage(read_npy(path("s.npy")), t);
    ASSERT_EQ(back.size(), storage.size());
    for (int64_t i = 0; i < n; ++i) {
      const float orig = load_element(t, storage.data() + i * bytes);
      if (std::isnan(orig)) {
        EXPECT_TRUE(std::isnan(load_element(t, back.data() + i * bytes)));
        continue;
      }
      ASSERT_EQ(std::memcmp(back.data() + i * bytes, storage.data() + i * bytes, size_t(bytes)),
                0)
          << dtype_name(t) << " pattern " << i;
    }
  }
  const uint8_t ints[4] = {0xFE, 0xFF, 0x02, 0x00};
  const NpyArray i16 = storage_to_npy(ints, 2, DType::kInt16, {1, 2});
  EXPECT_EQ(i16.descr, "<i2");
  EXPECT_EQ(i16.data, std::vector<uint8_t>(ints, ints + 4));
  EXPECT_EQ(storage_to_npy(ints, 4, DType::kUint8, {4}).descr, "|u1");
  EXPECT_EQ(storage_to_npy(ints, 1, DType::kUint32, {}).descr, "<u4");
}

// The streamed writer (no converted copy, bf16/fp8 widened in 65,536-element chunks) writes the
// same file as write_npy(storage_to_npy(...)) for every dtype, at counts below, at and across
// a chunk boundary; the widened values are checked independently (bf16 bits shifted up).
TEST_F(NpyTest, StreamedStorageFileEqualsTheConvertedArraysFile) {
  const auto file_bytes = [this](const std::string& name) {
    std::ifstream in(path(name), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  };
  for (DType t : {DType::kFp32, DType::kFp16, DType::kBf16, DType::kFp8E4M3, DType::kFp8E5M2,
                  DType::kInt8, DType::kInt16, DType::kInt32, DType::kUint8, DType::kUint16,
                  DType::kUint32}) {
    const int bytes = dtype_bytes(t);
    for (int64_t n : {int64_t(0), int64_t(5), int64_t(65536), int64_t(2 * 65536 + 3)}) {
      std::vector<uint8_t> storage(size_t(n * bytes));
      for (size_t i = 0; i < storage.size(); ++i) storage[i] = uint8_t(i * 2654435761u >> 13);
      const std::vector<int64_t> shape = {n};
      write_npy(path("converted.npy"), storage_to_npy(storage.data(), n, t, shape));
      write_storage_npy(path("streamed.npy"), storage.data(), n, t, shape);
      const std::vector<uint8_t> streamed = file_bytes("streamed.npy");
      ASSERT_EQ(streamed, file_bytes("converted.npy")) << dtype_name(t) << " x " << n;
      if (t != DType::kBf16 || n == 0) continue;
      const size_t data_at = streamed.size() - size_t(n) * 4;
      for (int64_t i : {int64_t(0), n / 2, n - 1}) {
        uint32_t bits;
        std::memcpy(&bits, streamed.data() + data_at + size_t(i) * 4, 4);
        const uint32_t want = uint32_t(storage[size_t(2 * i)] | storage[size_t(2 * i + 1)] << 8)
                              << 16;
        EXPECT_EQ(bits, want) << "bf16 element " << i << " of " << n;
      }
    }
  }
  const uint8_t storage[4] = {0, 0, 0, 0};
  EXPECT_THROW(write_storage_npy(path("bad.npy"), storage, 4, DType::kBf16, {3}), Error);
  EXPECT_THROW(write_storage_npy(path("no/dir.npy"), storage, 2, DType::kBf16,
                                 {2}),
               Error);
}

TEST_F(NpyTest, NpyToStorageRoundsToNearestEven) {
  NpyArray a;
  a.descr = "<f4";
  a.shape = {4};
  const float v[4] = {1.0f + std::ldexp(1.0f, -8), 1.0f + 3 * std::ldexp(1.0f, -8), 464.0f,
                      -std::numeric_limits<float>::infinity()};
  a.data.resize(16);
  std::memcpy(a.data.data(), v, 16);
  EXPECT_EQ(npy_to_storage(a, DType::kBf16),
            std::vector<uint8_t>({0x80, 0x3F, 0x82, 0x3F, 0xE8, 0x43, 0x80, 0xFF}));
  EXPECT_EQ(npy_to_storage(a, DType::kFp8E4M3), std::vector<uint8_t>({0x38, 0x38, 0x7E, 0xFE}));
  expect_storage_error(a, DType::kInt8, "element 0");  // 1 + 2^-8 is not an integer

  NpyArray u;  // uint64 beyond 2^53 -> bf16 rounds once from the exact integer
  u.descr = "<u8";
  u.shape = {2};
  const uint64_t big[2] = {(uint64_t(1) << 63) + (uint64_t(1) << 55) + 1, ~uint64_t(0)};
  u.data.resize(16);
  std::memcpy(u.data.data(), big, 16);
  // 2^63 + 2^55 is a bf16 tie (2^63 * (1 + 2^-8)); the +1 breaks it upward to 2^63*(1+2^-7).
  EXPECT_EQ(npy_to_storage(u, DType::kBf16), std::vector<uint8_t>({0x01, 0x5F, 0x80, 0x5F}));
  expect_storage_error(u, DType::kUint32, "range of uint32");  // no silent saturation
}

}  // namespace
}  // namespace trnsim::isa
