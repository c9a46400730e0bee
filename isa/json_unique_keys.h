// Strict JSON text parsing for trace files: like nlohmann::json::parse, but an object that
// repeats a key is an error (JSON parsers keep the last of repeated keys, which once silently
// dropped an opcode). Linear in the text size: the check runs in a SAX handler that builds the
// DOM, so no part of the document is rescanned.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace trnsim::isa {

// Parses `text`. Throws trnsim::Error "<where>: key 'K' repeated in one object (depth D)" for a
// repeated key (D counts the open arrays and objects, the object itself included), and lets
// nlohmann::json::parse_error through for text that is not JSON.
nlohmann::json parse_json_unique_keys(std::string_view text, const std::string& where);

// Receives the elements of one array of the top-level object one at a time, so that a large
// array never exists as a whole in memory.
class ArrayElementSink {
 public:
  virtual ~ArrayElementSink() = default;
  // Called when the array starts, with the document parsed so far (the top-level object with
  // the keys before this one, and this one as an empty array). True: each element goes to element() as soon as it is complete
  // and the array stays empty in the document; false: the elements stay in the document.
  virtual bool begin(const nlohmann::json& document_so_far) = 0;
  // One element, in array order. Must not throw (record the error instead): a later syntax
  // error or repeated key still has to be found and reported first.
  virtual void element(nlohmann::json&& value) noexcept = 0;
};

// As above, but the array value of top-level key `streamed_key` goes to `sink` (if its begin()
// accepts it). Repeated keys are found inside the streamed elements as everywhere else.
nlohmann::json parse_json_unique_keys(std::string_view text, const std::string& where,
                                      std::string_view streamed_key, ArrayElementSink* sink);

}  // namespace trnsim::isa
