#include "isa/json_unique_keys.h"

#include "isa/checked.h"

#include <unordered_set>
#include <vector>

#include "isa/error.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

// The keys seen so far in one open object. Objects of a trace have a few keys, so a linear scan
// is the fast path; an object with many keys switches to a hash set to stay linear.
class KeySet {
 public:
  void clear() {
    keys_.clear();
    hashed_.clear();
  }
  // False if `key` was already inserted.
  bool insert(const std::string& key) {
    if (keys_.size() < kLinearLimit) {
      for (const std::string& k : keys_)
        if (k == key) return false;
      keys_.push_back(key);
      if (keys_.size() == kLinearLimit) hashed_.insert(keys_.begin(), keys_.end());
      return true;
    }
    return hashed_.insert(key).second;
  }

 private:
  static constexpr size_t kLinearLimit = 32;
  std::vector<std::string> keys_;
  std::unordered_set<std::string> hashed_;
};

// The DOM builder, plus a key set per open object. Key sets are reused across objects of the
// same nesting level, so a large trace does not allocate one per instruction.
class UniqueKeysDomParser : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  UniqueKeysDomParser(json& document, const std::string& where)
      : json_sax_dom_parser(document, true), where_(where) {}

  bool start_object(std::size_t n) {
    ++depth_;
    if (open_objects_ == key_sets_.size()) key_sets_.emplace_back();
    key_sets_[open_objects_++].clear();
    return json_sax_dom_parser::start_object(n);
  }
  bool key(std::string& k) {
    if (!key_sets_[open_objects_ - 1].insert(k))
      throw Error(where_ + ": key '" + bounded(k) + "' repeated in one object (depth " +
                  std::to_string(depth_) + ")");
    return json_sax_dom_parser::key(k);
  }
  bool end_object() {
    --depth_;
    --open_objects_;
    return json_sax_dom_parser::end_object();
  }
  bool start_array(std::size_t n) {
    ++depth_;
    return json_sax_dom_parser::start_array(n);
  }
  bool end_array() {
    --depth_;
    return json_sax_dom_parser::end_array();
  }

 private:
  const std::string& where_;
  int depth_ = 0;             // open arrays and objects
  size_t open_objects_ = 0;   // key_sets_[0, open_objects_) belong to the open objects
  std::vector<KeySet> key_sets_;
};

}  // namespace

json parse_json_unique_keys(std::string_view text, const std::string& where) {
  json result;
  UniqueKeysDomParser handler(result, where);
  json::sax_parse(text.begin(), text.end(), &handler);
  return result;
}

}  // namespace trnsim::isa
