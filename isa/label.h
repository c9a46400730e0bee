// An instruction's label: free text shown in timelines and messages (kernel name, source line).
// A program repeats a few labels (one per kernel source line) over many instructions, so a
// Label points to one shared copy of its text: 8 bytes per instruction instead of a std::string
// (32 bytes, plus a heap block past 15 characters).
// Contract: texts are interned in one process-wide table and stay there until the process
// exits (a process keeps every distinct label text it has seen); equal texts give equal Labels;
// making Labels is thread-safe, reading them needs no lock.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace trnsim::isa {

class Label {
 public:
  Label();  // the empty label
  explicit Label(std::string_view text);
  Label& operator=(std::string_view text) { return *this = Label(text); }

  const std::string& str() const { return *text_; }
  operator const std::string&() const { return *text_; }  // NOLINT: reads like the text
  operator std::string_view() const { return *text_; }    // NOLINT
  bool empty() const { return text_->empty(); }

  friend bool operator==(Label a, Label b) { return a.text_ == b.text_; }
  friend bool operator!=(Label a, Label b) { return a.text_ != b.text_; }
  friend bool operator==(Label a, std::string_view b) { return *a.text_ == b; }
  friend bool operator==(std::string_view a, Label b) { return a == *b.text_; }
  friend bool operator!=(Label a, std::string_view b) { return *a.text_ != b; }
  friend std::string operator+(std::string a, Label b) { return a += *b.text_; }
  friend std::string operator+(const char* a, Label b) { return std::string(a) + *b.text_; }

 private:
  const std::string* text_;
};

std::ostream& operator<<(std::ostream& os, Label l);

}  // namespace trnsim::isa
