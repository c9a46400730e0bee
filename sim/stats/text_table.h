// A minimal aligned text table for terminal output: the first column left-aligned, the others
// right-aligned, columns separated by two spaces. Used by the summary and compare tables.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace trnsim::sim {

class TextTable {
 public:
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string str() const;  // one line per row, each ending in '\n'

 private:
  std::vector<std::vector<std::string>> rows_;
};

// printf-style formatting of one value into a std::string.
std::string strformat(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace trnsim::sim
