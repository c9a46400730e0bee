// Buffer names -> their positions in the order they were added, for programs that declare a
// tile per loop iteration (10^5 names): one flat open-addressing table of positions instead of
// a node per name. Names are held as views: whoever adds them keeps them alive.
#pragma once

#include <cstdint>
#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

namespace trnsim::isa {

class NameIndex {
 public:
  void reserve(size_t names) {
    names_.reserve(names);
    size_t slots = 16;
    while (slots < 2 * names) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
  }
  // Adds `name` at position size(); false, adding nothing, if it is already there.
  bool insert(std::string_view name) {
    if (2 * (names_.size() + 1) > slots_.size()) rehash(std::max<size_t>(16, 2 * slots_.size()));
    size_t at = probe(name);
    if (slots_[at] >= 0) return false;
    slots_[at] = static_cast<int64_t>(names_.size());
    names_.push_back(name);
    return true;
  }
  // Position of `name`, or -1.
  int64_t find(std::string_view name) const {
    return slots_.empty() ? -1 : slots_[probe(name)];
  }
  size_t size() const { return names_.size(); }

 private:
  // The slot holding `name`, or the empty slot where it would go.
  size_t probe(std::string_view name) const {
    const size_t mask = slots_.size() - 1;
    size_t at = std::hash<std::string_view>()(name) & mask;
    while (slots_[at] >= 0 && names_[size_t(slots_[at])] != name) at = (at + 1) & mask;
    return at;
  }
  void rehash(size_t slots) {  // a power of two, > 2 x size()
    slots_.assign(slots, -1);
    for (size_t k = 0; k < names_.size(); ++k) slots_[probe(names_[k])] = static_cast<int64_t>(k);
  }

  std::vector<std::string_view> names_;
  std::vector<int64_t> slots_;  // position, -1: empty
};

}  // namespace trnsim::isa
