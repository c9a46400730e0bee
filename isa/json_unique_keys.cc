#include "isa/json_unique_keys.h"

#include "isa/checked.h"

#include <unordered_set>
#include <vector>

#include "isa/error.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;
using DomBuilder = nlohmann::detail::json_sax_dom_parser<json>;

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

// SAX handler: builds the document with nlohmann's DOM builder, checks every object for
// repeated keys (key sets are reused across objects of one nesting level, so a large trace does
// not allocate one per object), and routes the elements of the streamed array (the value of
// top-level key `streamed_key_`, once the sink accepts it) to a second builder, one element at
// a time.
class UniqueKeysParser {
 public:
  UniqueKeysParser(json& document, const std::string& where, std::string_view streamed_key,
                   ArrayElementSink* sink)
      : document_(document),
        outer_(document, true),
        inner_(element_, true),
        where_(where),
        streamed_key_(streamed_key),
        sink_(sink) {}

  bool null() { return value([](DomBuilder& b) { return b.null(); }); }
  bool boolean(bool v) { return value([&](DomBuilder& b) { return b.boolean(v); }); }
  bool number_integer(json::number_integer_t v) {
    return value([&](DomBuilder& b) { return b.number_integer(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return value([&](DomBuilder& b) { return b.number_unsigned(v); });
  }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return value([&](DomBuilder& b) { return b.number_float(v, s); });
  }
  bool string(json::string_t& v) { return value([&](DomBuilder& b) { return b.string(v); }); }
  bool binary(json::binary_t& v) { return value([&](DomBuilder& b) { return b.binary(v); }); }

  bool start_object(std::size_t n) {
    pending_stream_ = false;
    DomBuilder& b = builder();
    ++depth_;
    if (open_objects_ == key_sets_.size()) key_sets_.emplace_back();
    key_sets_[open_objects_++].clear();
    return b.start_object(n);
  }
  bool key(json::string_t& k) {
    if (!key_sets_[open_objects_ - 1].insert(k))
      throw Error(where_ + ": key '" + bounded(k) + "' repeated in one object (depth " +
                  std::to_string(depth_) + ")");
    pending_stream_ = sink_ != nullptr && depth_ == 1 && k == streamed_key_;
    return builder().key(k);
  }
  bool end_object() {
    --depth_;
    --open_objects_;
    return end_container(builder().end_object());
  }
  bool start_array(std::size_t n) {
    const bool begins_stream = pending_stream_ && depth_ == 1;
    pending_stream_ = false;
    DomBuilder& b = builder();
    ++depth_;
    const bool ok = b.start_array(n);
    if (begins_stream && sink_->begin(document_)) streamed_depth_ = depth_;
    return ok;
  }
  bool end_array() {
    if (depth_ == streamed_depth_) {  // the streamed array itself ends
      streamed_depth_ = -1;
      --depth_;
      return outer_.end_array();
    }
    --depth_;
    return end_container(builder().end_array());
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string& token, const Exception& ex) {
    return outer_.parse_error(position, token, ex);
  }

 private:
  // Events inside an element of the streamed array (or a whole scalar element) go to inner_.
  DomBuilder& builder() { return streamed_depth_ >= 0 && depth_ >= streamed_depth_ ? inner_ : outer_; }

  template <class Build>
  bool value(Build build) {
    pending_stream_ = false;
    const bool ok = build(builder());
    if (streamed_depth_ >= 0 && depth_ == streamed_depth_) hand_over();  // a scalar element
    return ok;
  }
  bool end_container(bool ok) {
    if (streamed_depth_ >= 0 && depth_ == streamed_depth_) hand_over();  // an element closed
    return ok;
  }
  void hand_over() {
    sink_->element(std::move(element_));
    element_ = nullptr;
  }

  json& document_;
  json element_;
  DomBuilder outer_;
  DomBuilder inner_;
  const std::string& where_;
  std::string_view streamed_key_;
  ArrayElementSink* sink_;
  int depth_ = 0;               // open arrays and objects
  int streamed_depth_ = -1;     // depth_ inside the streamed array, -1 when not in it
  bool pending_stream_ = false; // the last event was the streamed key of the top-level object
  size_t open_objects_ = 0;     // key_sets_[0, open_objects_) belong to the open objects
  std::vector<KeySet> key_sets_;
};

}  // namespace

json parse_json_unique_keys(std::string_view text, const std::string& where,
                            std::string_view streamed_key, ArrayElementSink* sink) {
  json result;
  UniqueKeysParser handler(result, where, streamed_key, sink);
  json::sax_parse(text.begin(), text.end(), &handler);
  return result;
}

json parse_json_unique_keys(std::string_view text, const std::string& where) {
  return parse_json_unique_keys(text, where, {}, nullptr);
}

}  // namespace trnsim::isa
