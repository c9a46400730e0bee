// The binary trace reader's cursor over the file bytes (not a public interface): fixed-width
// and varint fields, counts bounded by the bytes left, and errors that name the file, the byte,
// where in the trace the field is and the field itself (isa/TRACE_BINARY.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/program.h"
#include "isa/trace_binary_internal.h"

namespace trnsim::isa::binary_internal {

class Decoder {
 public:
  Decoder(std::string_view bytes, const std::string& source) : b_(bytes), source_(source) {}

  // "SOURCE: byte N: WHERE: field 'F': WHY" for the field that starts at byte `at`.
  Error error_at(size_t at, std::string_view field, const std::string& why) const {
    return Error(source_ + ": byte " + std::to_string(at) + ": " + where() + ": field '" +
                 std::string(field) + "': " + why);
  }
  Error error(std::string_view field, const std::string& why) const {
    return error_at(field_start_, field, why);
  }
  // Where errors point. Except for set_where's text, the context is kept as its parts and its
  // text built only when an error is thrown.
  void set_where(std::string where) {
    where_ = std::move(where);
    context_ = Context::kText;
  }
  // "`kind` `index`", or "`kind` '`name`'" once the name is known (`name` must outlive the
  // next set_* call).
  void set_buffer(const char* kind, size_t index, std::string_view name) {
    buffer_kind_ = kind;
    index_ = index;
    buffer_name_ = name;
    context_ = Context::kBuffer;
  }
  // "instruction `index`".
  void set_instruction_index(size_t index) {
    index_ = index;
    context_ = Context::kInstructionIndex;
  }
  // Instruction `index` as the JSON reader names it, from its op and label as read so far.
  void set_instruction(size_t index, const Instruction* ins) {
    index_ = index;
    ins_ = ins;
    context_ = Context::kInstruction;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

  uint8_t u8(std::string_view field) {
    field_start_ = pos_;
    need(1, field);
    return uint8_t(b_[pos_++]);
  }
  uint32_t u32(std::string_view field) { return uint32_t(little_endian(4, field)); }
  uint64_t uvar(std::string_view field) {
    field_start_ = pos_;
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= b_.size()) throw error(field, "the file ends inside a number");
      const uint8_t byte = uint8_t(b_[pos_++]);
      if (shift == 63 && byte > 1)
        throw error(field, "varint does not fit 64 bits");
      v |= uint64_t(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
  }
  int64_t svar(std::string_view field) { return unzigzag(uvar(field)); }
  double f64(std::string_view field) {
    const uint64_t bits = little_endian(8, field);
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // A count of items of at least `min_bytes` each: no more than the bytes left can hold.
  size_t count(std::string_view field, size_t min_bytes = 1) {
    const uint64_t n = uvar(field);
    if (n > left() / min_bytes)
      throw error(field, "count " + std::to_string(n) + " exceeds what the " +
                             std::to_string(left()) + " bytes left can hold");
    return size_t(n);
  }
  std::string_view bytes(size_t n, std::string_view field) {
    need(n, field);
    const std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  enum class Context : uint8_t { kText, kBuffer, kInstructionIndex, kInstruction };

  std::string where() const {
    switch (context_) {
      case Context::kText:
        break;
      case Context::kBuffer:
        return std::string(buffer_kind_) + (buffer_name_.empty()
                                                ? " " + std::to_string(index_)
                                                : " '" + bounded(buffer_name_) + "'");
      case Context::kInstructionIndex:
        return "instruction " + std::to_string(index_);
      case Context::kInstruction:
        return "instruction " + std::to_string(index_) + " (" +
               std::string(opcode_name(ins_->op)) + ")" +
               (ins_->label.empty() ? "" : " '" + bounded(ins_->label) + "'");
    }
    return where_;
  }
  // The next `n` (<= 8) bytes as a little-endian unsigned number.
  uint64_t little_endian(int n, std::string_view field) {
    field_start_ = pos_;
    need(size_t(n), field);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(uint8_t(b_[pos_ + i])) << (8 * i);
    pos_ += size_t(n);
    return v;
  }
  void need(size_t n, std::string_view field) const {
    if (left() < n)
      throw error(field, "the file ends " + std::to_string(n - left()) + " bytes early");
  }

  std::string_view b_;
  const std::string& source_;
  Context context_ = Context::kText;
  std::string where_ = "header";     // kText
  size_t index_ = 0;                 // kBuffer, kInstructionIndex, kInstruction
  const char* buffer_kind_ = "";     // kBuffer
  std::string_view buffer_name_;     // kBuffer
  const Instruction* ins_ = nullptr;  // kInstruction
  size_t pos_ = 0, field_start_ = 0;
};

}  // namespace trnsim::isa::binary_internal
