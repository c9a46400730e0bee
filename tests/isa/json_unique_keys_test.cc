#include "isa/json_unique_keys.h"

#include <gtest/gtest.h>

#include <string>

#include "isa/error.h"

namespace trnsim::isa {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_json_unique_keys(text, "f.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// An object with n distinct keys k0..k{n-1}, then `extra` appended before the closing brace.
std::string wide_object(int n, const std::string& extra) {
  std::string s = "{";
  for (int i = 0; i < n; ++i) s += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  return s + extra + "}";
}

TEST(JsonUniqueKeys, BuildsTheSameDocumentAsNlohmann) {
  const std::string text =
      R"({"a": [1, 2.5, "x", null, true, {"b": {}, "c": []}], "d": {"a": -3, "e": [[{}]]}})";
  EXPECT_EQ(parse_json_unique_keys(text, "f.json"), nlohmann::json::parse(text));
}

TEST(JsonUniqueKeys, SameKeyInSiblingOrNestedObjectsIsAllowed) {
  const std::string text = R"([{"op": 1, "x": {"op": 2}}, {"op": 3}, {"x": [{"op": 4}]}])";
  EXPECT_EQ(parse_json_unique_keys(text, "f.json")[2]["x"][0]["op"], 4);
}

TEST(JsonUniqueKeys, RepeatedKeyNamesKeyWhereAndDepth) {
  EXPECT_EQ(error_of(R"({"a": 1, "a": 2})"), "f.json: key 'a' repeated in one object (depth 1)");
  EXPECT_EQ(error_of(R"({"i": [{"op": 1, "x": {"y": 0}, "op": 2}]})"),
            "f.json: key 'op' repeated in one object (depth 3)");
  // The repeat comes after a nested object closed: the outer object's keys are still tracked.
  EXPECT_EQ(error_of(R"({"t": {"u": {"t": 1}}, "v": [], "t": 0})"),
            "f.json: key 't' repeated in one object (depth 1)");
}

TEST(JsonUniqueKeys, WideObjectsAreCheckedPastTheLinearScan) {
  EXPECT_EQ(parse_json_unique_keys(wide_object(100, ""), "f.json").size(), 100u);
  EXPECT_EQ(error_of(wide_object(100, ",\"k7\":0")),
            "f.json: key 'k7' repeated in one object (depth 1)");
  EXPECT_EQ(error_of(wide_object(100, ",\"k99\":0")),
            "f.json: key 'k99' repeated in one object (depth 1)");
  EXPECT_EQ(error_of(wide_object(31, ",\"k3\":0")),
            "f.json: key 'k3' repeated in one object (depth 1)");
}

TEST(JsonUniqueKeys, InvalidJsonIsAParseError) {
  EXPECT_THROW(parse_json_unique_keys(R"({"a": 1,})", "f.json"), nlohmann::json::parse_error);
  EXPECT_THROW(parse_json_unique_keys("", "f.json"), nlohmann::json::parse_error);
  EXPECT_THROW(parse_json_unique_keys(R"({"a": 1} x)", "f.json"), nlohmann::json::parse_error);
}

}  // namespace
}  // namespace trnsim::isa
