// The text layer of the timeline writer (sim/trace/timeline.cc): JSON string literals, the
// number forms written in place, and the sink that hands the text to a file or gzip stream in
// large blocks.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <zlib.h>

#include "isa/error.h"
#include "sim/trace/json_number.h"

namespace trnsim::sim::timeline_text {

inline bool needs_escape(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return true;
  return false;
}

// A JSON string literal (nlohmann escapes, and replaces invalid UTF-8, when needed).
inline std::string json_string(const std::string& s) {
  if (!needs_escape(s)) return '"' + s + '"';
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Numbers the sink writes in place (sim/trace/json_number.h).
struct Number {  // shortest round-trip text of a finite double; null otherwise
  double v;
};
inline Number number(double v) { return {v}; }

struct UsOfPs {  // microseconds as an exact decimal of picoseconds: 1234567 ps -> "1.234567"
  int64_t ps;
};
inline UsOfPs ps_as_us(int64_t ps) { return {ps}; }

// Whole picoseconds of a ns time (sim/trace/json_number.h).
inline int64_t to_ps(double ns) { return whole_ps(ns); }

inline std::string number_text(double v) {
  char buf[kNumberTextRoom];
  return std::string(buf, json_number(v, buf));
}

// Where the timeline text goes, in large blocks.
class BlockWriter {
 public:
  virtual ~BlockWriter() = default;
  virtual void write(const char* data, size_t n) = 0;
};

class StreamWriter : public BlockWriter {
 public:
  explicit StreamWriter(std::ostream& os) : os_(os) {}
  void write(const char* data, size_t n) override { os_.write(data, std::streamsize(n)); }

 private:
  std::ostream& os_;
};

// gzip file output (zlib, level 1: the fastest level, still about 15x smaller on timelines);
// errors name the path.
class GzWriter : public BlockWriter {
 public:
  explicit GzWriter(const std::string& path) : path_(path), gz_(gzopen(path.c_str(), "wb1")) {
    if (!gz_) throw Error("cannot open '" + path + "' for writing");
  }
  ~GzWriter() override {
    if (gz_) gzclose(gz_);
  }
  void write(const char* data, size_t n) override {
    if (n && gzwrite(gz_, data, unsigned(n)) != int(n))
      throw Error("error writing '" + path_ + "'");
  }
  void close() {
    const int rc = gzclose(gz_);
    gz_ = nullptr;
    if (rc != Z_OK) throw Error("error writing '" + path_ + "'");
  }

 private:
  std::string path_;
  gzFile gz_;
};

// Appends text to a buffer and hands it to the writer in large blocks (an ostream insertion per
// field is the main cost for million-instruction timelines). The owner calls flush() at the end.
class BufferedSink {
 public:
  explicit BufferedSink(BlockWriter& out) : out_(out), buf_(new char[kBlockBytes]) {}
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;
  // Inlined at every field (millions per timeline), so that a literal's copy has a constant
  // size; the flush is out of line.
  [[gnu::always_inline]] BufferedSink& operator<<(std::string_view s) {
    if (s.size() > kBlockBytes - n_) return append_after_flush(s);
    std::memcpy(buf_.get() + n_, s.data(), s.size());
    n_ += s.size();
    return *this;
  }
  // String literals: the length is known at compile time (no strlen per fragment).
  template <size_t N>
  [[gnu::always_inline]] BufferedSink& operator<<(const char (&s)[N]) {
    return *this << std::string_view(s, N - 1);
  }
  template <typename Ptr, std::enable_if_t<std::is_same_v<Ptr, const char*>, int> = 0>
  BufferedSink& operator<<(Ptr s) { return *this << std::string_view(s); }
  BufferedSink& operator<<(const std::string& s) { return *this << std::string_view(s); }
  // Numbers are formatted straight into the buffer.
  BufferedSink& operator<<(Number x) {
    n_ += json_number(x.v, room());
    return *this;
  }
  BufferedSink& operator<<(UsOfPs x) {
    n_ += us_of_ps(x.ps, room());
    return *this;
  }
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
  BufferedSink& operator<<(Int v) {
    if constexpr (std::is_signed_v<Int>) {
      n_ += integer_text(int64_t(v), room());
    } else {
      n_ += integer_text(uint64_t(v), room());
    }
    return *this;
  }
  void flush() {
    out_.write(buf_.get(), n_);
    n_ = 0;
  }

 private:
  [[gnu::noinline]] BufferedSink& append_after_flush(std::string_view s) {
    flush();
    if (s.size() > kBlockBytes) {
      out_.write(s.data(), s.size());
      return *this;
    }
    std::memcpy(buf_.get(), s.data(), s.size());
    n_ = s.size();
    return *this;
  }

  // Where a number's text goes: with kNumberTextRoom chars free.
  char* room() {
    if (kBlockBytes - n_ < kNumberTextRoom) flush();
    return buf_.get() + n_;
  }

  static constexpr size_t kBlockBytes = 1 << 20;
  BlockWriter& out_;
  std::unique_ptr<char[]> buf_;
  size_t n_ = 0;
};

}  // namespace trnsim::sim::timeline_text
