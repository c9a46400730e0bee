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

}  // namespace trnsim::isa
