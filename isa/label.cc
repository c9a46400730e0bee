#include "isa/label.h"

#include <memory>
#include <mutex>
#include <ostream>
#include <unordered_map>

namespace trnsim::isa {
namespace {

// Keys view the owned texts (stable: each text has its own heap block), so a lookup by
// string_view allocates nothing.
struct InternTable {
  std::mutex mutex;
  std::unordered_map<std::string_view, std::unique_ptr<const std::string>> texts;
};

InternTable& table() {
  static InternTable* t = new InternTable;  // never destroyed: Labels outlive static objects
  return *t;
}

const std::string* interned(std::string_view text) {
  InternTable& t = table();
  const std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.texts.find(text);
  if (it == t.texts.end()) {
    auto owned = std::make_unique<const std::string>(text);
    const std::string_view key(*owned);
    it = t.texts.emplace(key, std::move(owned)).first;
  }
  return it->second.get();
}

const std::string* empty_text() {
  static const std::string* e = interned("");
  return e;
}

}  // namespace

Label::Label() : text_(empty_text()) {}

Label::Label(std::string_view text) : text_(text.empty() ? empty_text() : interned(text)) {}

std::ostream& operator<<(std::ostream& os, Label l) { return os << l.str(); }

}  // namespace trnsim::isa
