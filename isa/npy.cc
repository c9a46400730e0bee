#include "isa/npy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "isa/checked.h"
#include "isa/error.h"

namespace trnsim::isa {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kHeaderAlignBytes = 64;  // numpy pads magic + length + header to 64 bytes
constexpr uint64_t kMaxHeaderBytes = 1 << 16;  // numpy writes a few hundred bytes

// A supported element type: kind 'f' (float), 'i' (signed), 'u' (unsigned) or 'b' (bool).
struct ElementType {
  char kind;
  int bytes;
};

// Parses a descr; returns false with `why` set if it is not supported.
bool parse_descr(const std::string& descr, ElementType* out, std::string* why) {
  if (descr.size() < 3 || descr.size() > 4) {
    *why = "unsupported dtype '" + descr + "' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)";
    return false;
  }
  const char order = descr[0];
  const char kind = descr[1];
  int bytes = 0;
  for (size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9') bytes = -1000;
    bytes = bytes * 10 + (descr[i] - '0');
  }
  const bool ok = (kind == 'f' && (bytes == 2 || bytes == 4 || bytes == 8)) ||
                  ((kind == 'i' || kind == 'u') &&
                   (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) ||
                  (kind == 'b' && bytes == 1);
  if (!ok || (order != '<' && order != '>' && order != '|' && order != '=')) {
    *why = "unsupported dtype '" + descr + "' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)";
    return false;
  }
  if (order == '>' && bytes > 1) {
    *why = "big-endian data ('" + descr + "') is not supported; save it little-endian";
    return false;
  }
  *out = ElementType{kind, bytes};
  return true;
}

ElementType element_type_or_throw(const std::string& descr, const std::string& where) {
  ElementType et{'f', 4};
  std::string why;
  if (!parse_descr(descr, &et, &why)) throw Error(where + ": " + why);
  return et;
}

// Product of `shape`, or -1 if a dimension is negative or the product overflows.
int64_t shape_elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Minimal parser of the header's Python dict literal:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  void parse(NpyArray* out) {
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        skip_space();
        if (peek() != '\'' && peek() != '"')
          fail("unsupported dtype: structured descr (only plain numeric dtypes are supported)");
        out->descr = parse_string();
        have_descr = true;
      } else if (key == "fortran_order") {
        if (parse_bool()) fail("Fortran-order arrays are not supported; save a C-order array");
        have_order = true;
      } else if (key == "shape") {
        out->shape = parse_shape();
        have_shape = true;
      } else {
        fail("unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        fail("expected ',' or '}' in header");
      }
    }
    if (!have_descr) fail("header has no 'descr'");
    if (!have_order) fail("header has no 'fortran_order'");
    if (!have_shape) fail("header has no 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(where_ + ": bad header: " + bounded(why) + " (header: " + bounded(s_) + ")");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return v;
  }
  bool parse_bool() {
    skip_space();
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> parse_shape() {
    std::vector<int64_t> shape;
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("expected a non-negative integer in shape");
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("shape dimension too big");
        v = v * 10 + (peek() - '0');
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literal
      shape.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in shape");
      }
    }
    ++pos_;
    return shape;
  }

  const std::string& s_;
  const std::string& where_;
  size_t pos_ = 0;
};

uint64_t read_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

// Rounds a 64-bit integer magnitude to 53 bits with round-to-odd (sticky low bit), so that a
// later round-to-nearest-even into a format of <= 51 bits is correctly rounded.
double uint64_to_double_odd(uint64_t u) {
  if (u < (uint64_t(1) << 53)) return double(u);
  int top = 63;
  while (!(u >> top)) --top;
  const int shift = top - 52;
  uint64_t q = u >> shift;
  if (u & ((uint64_t(1) << shift) - 1)) q |= 1;
  return std::ldexp(double(q), shift);
}

// Rounds a double to fp32 with round-to-odd: exact values stay, inexact ones get the sticky
// low bit. A later RNE into bf16/fp16/fp8 (<= 22 bits below fp32's) is then correctly rounded.
float double_to_float_odd(double d) {
  if (std::isnan(d)) return float(d);
  const float f = float(d);
  if (double(f) == d) return f;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if (std::fabs(double(f)) > std::fabs(d)) --bits;  // step the magnitude toward zero
  bits |= 1u;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// The range of an integer dtype as doubles (exact: all are below 2^32).
void integer_range(DType t, double* lo, double* hi) {
  *lo = 0;
  switch (t) {
    case DType::kInt8: *lo = -128.0; *hi = 127.0; break;
    case DType::kInt16: *lo = -32768.0; *hi = 32767.0; break;
    case DType::kInt32: *lo = -2147483648.0; *hi = 2147483647.0; break;
    case DType::kUint8: *hi = 255.0; break;
    case DType::kUint16: *hi = 65535.0; break;
    default: *hi = 4294967295.0; break;
  }
}

// True if `d` is an integer that integer dtype `t` holds exactly (no rounding, no saturation).
bool fits_integer_dtype(DType t, double d) {
  double lo = 0, hi = 0;
  integer_range(t, &lo, &hi);
  return d == std::floor(d) && d >= lo && d <= hi;  // false for NaN and Inf
}

// Encodes a (correctly widened) value into `t` with a single correct RNE rounding.
uint32_t encode_from_double(DType t, double d) {
  if (t == DType::kFp32) return encode(t, float(d));
  if (dtype_is_float(t)) return encode(t, double_to_float_odd(d));
  if (std::isnan(d)) return 0;
  double lo = 0, hi = 0;
  integer_range(t, &lo, &hi);
  const double r = std::fmin(std::fmax(std::rint(d), lo), hi);
  return uint32_t(int64_t(r)) & uint32_t(0xFFFFFFFFu >> (32 - 8 * dtype_bytes(t)));
}

double element_value(const ElementType& et, const uint8_t* p) {
  const uint64_t raw = read_le(p, et.bytes);
  switch (et.kind) {
    case 'b':
      return raw != 0 ? 1.0 : 0.0;
    case 'u':
      return uint64_to_double_odd(raw);
    case 'i': {
      const int shift = 64 - 8 * et.bytes;
      const int64_t v = int64_t(raw << shift) >> shift;  // sign-extend
      return v < 0 ? -uint64_to_double_odd(uint64_t(0) - uint64_t(v)) : uint64_to_double_odd(raw);
    }
    default:
      break;
  }
  if (et.bytes == 2) return double(decode(DType::kFp16, uint32_t(raw)));
  if (et.bytes == 4) return double(decode(DType::kFp32, uint32_t(raw)));
  double d;
  std::memcpy(&d, &raw, sizeof d);
  return d;
}

}  // namespace

int64_t NpyArray::elements() const { return shape_elements(shape); }

int npy_item_bytes(const std::string& descr) {
  return element_type_or_throw(descr, "npy dtype").bytes;
}

NpyArray read_npy(const std::string& path) {
  const std::string where = "npy file '" + path + "'";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(where + ": cannot open (no such file)");
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(where + ": not a regular file (a directory or device cannot be an input)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(where + ": cannot open for reading");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(where + ": cannot read its size");
  uint8_t start[kMagicBytes + 6] = {};
  in.read(reinterpret_cast<char*>(start), std::streamsize(sizeof start));
  const uint64_t got = uint64_t(in.gcount());
  if (got < kMagicBytes + 2 || std::memcmp(start, kMagic, kMagicBytes) != 0)
    throw Error(where + ": bad magic (not a .npy file)");
  const int major = start[6], minor = start[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw Error(where + ": unsupported format version " + std::to_string(major) + "." +
                std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicBytes + 2 + length_bytes;
  if (got < prefix) throw Error(where + ": truncated header");
  const uint64_t header_len = read_le(start + 8, int(length_bytes));
  if (header_len > kMaxHeaderBytes)
    throw Error(where + ": header of " + std::to_string(header_len) + " bytes, limit " +
                std::to_string(kMaxHeaderBytes));
  if (file_size < prefix + header_len) throw Error(where + ": truncated header");
  std::string header(header_len, '\0');
  in.clear();  // a short first read set failbit
  in.seekg(std::streamoff(prefix));
  in.read(header.data(), std::streamsize(header_len));
  if (uint64_t(in.gcount()) != header_len) throw Error(where + ": truncated header");

  NpyArray a;
  HeaderParser(header, where).parse(&a);
  const ElementType et = element_type_or_throw(a.descr, where);
  const int64_t n = a.elements();
  if (n < 0) throw Error(where + ": bad shape " + bounded(shape_text(a.shape)));
  const uint64_t data_bytes = file_size - prefix - header_len;
  if (uint64_t(n) > std::numeric_limits<uint64_t>::max() / uint64_t(et.bytes))
    throw Error(where + ": shape " + bounded(shape_text(a.shape)) + " is too large");
  const uint64_t want = uint64_t(n) * uint64_t(et.bytes);
  if (data_bytes < want)
    throw Error(where + ": truncated data: shape " + bounded(shape_text(a.shape)) + " of " +
                a.descr + " needs " + std::to_string(want) + " bytes, file has " +
                std::to_string(data_bytes));
  if (data_bytes > want)
    throw Error(where + ": size mismatch: shape " + bounded(shape_text(a.shape)) + " of " +
                a.descr + " needs " + std::to_string(want) + " bytes, file has " +
                std::to_string(data_bytes) + " (trailing data)");
  // The size matches the file on disk, so this allocation is bounded by the file itself.
  a.data.resize(size_t(want));
  in.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(want));
  if (uint64_t(in.gcount()) != want) throw Error(where + ": read failed");
  return a;
}

namespace {

// Opens `path` and writes the magic, version, header length and header (padded so the data
// starts at a multiple of kHeaderAlignBytes) of a C-order array of `descr` and `shape`.
std::ofstream open_npy_for_data(const std::string& path, const std::string& where,
                                const std::string& descr, const std::vector<int64_t>& shape) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  const bool v1 = header.size() + 1 + kHeaderAlignBytes <= 65535;  // fits a uint16 length
  const size_t prefix = kMagicBytes + 2 + (v1 ? 2 : 4);
  const size_t unpadded = prefix + header.size() + 1;  // + '\n'
  header.append((kHeaderAlignBytes - unpadded % kHeaderAlignBytes) % kHeaderAlignBytes, ' ');
  header += '\n';

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(where + ": cannot open for writing");
  out.write(kMagic, kMagicBytes);
  const char version[2] = {char(v1 ? 1 : 2), 0};
  out.write(version, 2);
  const uint64_t len = header.size();
  for (size_t i = 0; i < (v1 ? 2u : 4u); ++i) out.put(char((len >> (8 * i)) & 0xFF));
  out.write(header.data(), std::streamsize(header.size()));
  return out;
}

// The npy descr that holds storage of `t`: its own layout, or '<f4' for bf16 and fp8, which
// numpy lacks (widened_to_fp32).
const char* npy_descr_of(DType t) {
  switch (t) {
    case DType::kFp32: return "<f4";
    case DType::kFp16: return "<f2";
    case DType::kInt8: return "|i1";
    case DType::kInt16: return "<i2";
    case DType::kInt32: return "<i4";
    case DType::kUint8: return "|u1";
    case DType::kUint16: return "<u2";
    case DType::kUint32: return "<u4";
    case DType::kBf16:
    case DType::kFp8E4M3:
    case DType::kFp8E5M2: return "<f4";
  }
  throw Error("npy: unknown dtype");
}

bool widened_to_fp32(DType t) {
  return t == DType::kBf16 || t == DType::kFp8E4M3 || t == DType::kFp8E5M2;
}

// The fp32 bits of `n` bf16 or fp8 storage elements, little endian, into `out` (4n bytes).
// bf16's fp32 bits are its own shifted up: no decode, and the loop vectorises.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "npy data is written from host words");
void widen_to_fp32(const uint8_t* data, int64_t n, DType t, uint8_t* out) {
  if (t == DType::kBf16) {
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t bits = uint32_t(uint16_t(data[i * 2] | data[i * 2 + 1] << 8)) << 16;
      std::memcpy(out + i * 4, &bits, 4);
    }
    return;
  }
  const int bytes = dtype_bytes(t);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = encode(DType::kFp32, load_element(t, data + i * bytes));
    std::memcpy(out + i * 4, &bits, 4);
  }
}

void check_storage_shape(const std::vector<int64_t>& shape, int64_t elements,
                         const std::string& where) {
  if (shape_elements(shape) != elements)
    throw Error(where + ": shape " + shape_text(shape) + " has " +
                std::to_string(shape_elements(shape)) + " elements, storage has " +
                std::to_string(elements));
}

}  // namespace

void write_npy(const std::string& path, const NpyArray& a) {
  const std::string where = "npy file '" + path + "'";
  const ElementType et = element_type_or_throw(a.descr, where);
  const int64_t n = a.elements();
  if (n < 0) throw Error(where + ": bad shape " + shape_text(a.shape));
  if (uint64_t(a.data.size()) != uint64_t(n) * uint64_t(et.bytes))
    throw Error(where + ": size mismatch: shape " + shape_text(a.shape) + " of " + a.descr +
                " needs " + std::to_string(uint64_t(n) * uint64_t(et.bytes)) +
                " bytes, array has " + std::to_string(a.data.size()));
  const std::string descr =
      std::string(1, et.bytes == 1 ? '|' : '<') + et.kind + std::to_string(et.bytes);
  std::ofstream out = open_npy_for_data(path, where, descr, a.shape);
  out.write(reinterpret_cast<const char*>(a.data.data()), std::streamsize(a.data.size()));
  if (!out) throw Error(where + ": write failed");
}

void write_storage_npy(const std::string& path, const uint8_t* data, int64_t elements, DType t,
                       const std::vector<int64_t>& shape) {
  const std::string where = "npy file '" + path + "'";
  check_storage_shape(shape, elements, where);
  std::ofstream out = open_npy_for_data(path, where, npy_descr_of(t), shape);
  if (!widened_to_fp32(t)) {
    out.write(reinterpret_cast<const char*>(data), std::streamsize(elements * dtype_bytes(t)));
  } else {
    constexpr int64_t kChunk = int64_t(1) << 16;  // elements widened per write
    std::vector<uint8_t> chunk(size_t(std::min(elements, kChunk)) * 4);
    for (int64_t first = 0; first < elements && out; first += kChunk) {
      const int64_t n = std::min(kChunk, elements - first);
      widen_to_fp32(data + first * dtype_bytes(t), n, t, chunk.data());
      out.write(reinterpret_cast<const char*>(chunk.data()), std::streamsize(n * 4));
    }
  }
  if (!out) throw Error(where + ": write failed");
}

std::vector<uint8_t> npy_to_storage(const NpyArray& a, DType t) {
  const ElementType et = element_type_or_throw(a.descr, "npy array");
  const int64_t n = a.elements();
  if (n < 0 || uint64_t(a.data.size()) != uint64_t(n) * uint64_t(et.bytes))
    throw Error("npy array: shape " + shape_text(a.shape) + " of " + a.descr + " does not match " +
                std::to_string(a.data.size()) + " data bytes");
  const int out_bytes = dtype_bytes(t);
  std::vector<uint8_t> out(size_t(n) * size_t(out_bytes));
  const bool to_int = !dtype_is_float(t);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* src = a.data.data() + i * et.bytes;
    uint32_t bits;
    if (to_int) {
      const double v = element_value(et, src);
      if (!fits_integer_dtype(t, v))
        throw Error("npy array: element " + std::to_string(i) + " = " + std::to_string(v) +
                    " is not an integer in the range of " + std::string(dtype_name(t)) +
                    " (integer tensors take exact values only)");
      bits = encode_from_double(t, v);
    } else if (et.kind == 'f' && et.bytes == 4) {
      bits = encode(t, decode(DType::kFp32, uint32_t(read_le(src, 4))));  // single rounding
    } else {
      bits = encode_from_double(t, element_value(et, src));
    }
    for (int b = 0; b < out_bytes; ++b) out[size_t(i) * out_bytes + b] = uint8_t(bits >> (8 * b));
  }
  return out;
}

NpyArray storage_to_npy(const uint8_t* data, int64_t elements, DType t,
                        std::vector<int64_t> shape) {
  check_storage_shape(shape, elements, "storage_to_npy");
  NpyArray a;
  a.shape = std::move(shape);
  a.descr = npy_descr_of(t);
  if (widened_to_fp32(t)) {
    a.data.resize(size_t(elements) * 4);
    widen_to_fp32(data, elements, t, a.data.data());
  } else {
    a.data.assign(data, data + elements * dtype_bytes(t));
  }
  return a;
}

}  // namespace trnsim::isa
