#include "isa/json_unique_keys.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// Collects the streamed elements; accepts the stream when `accept`.
class Collector : public ArrayElementSink {
 public:
  explicit Collector(bool accept) : accept_(accept) {}
  bool begin(const nlohmann::json& so_far) override {
    seen_before = so_far;
    ++begins;
    return accept_;
  }
  void element(nlohmann::json&& v) noexcept override { elements.push_back(std::move(v)); }
  nlohmann::json seen_before;
  std::vector<nlohmann::json> elements;
  int begins = 0;

 private:
  bool accept_;
};

TEST(JsonUniqueKeys, StreamedArrayElementsGoToTheSinkInOrder) {
  const std::string text = R"({"a": 1, "s": [{"x": [1, {"y": 2}]}, 3, "t", [4, [5]], null, {}], "b": {"s": [9]}})";
  Collector sink(true);
  const nlohmann::json doc = parse_json_unique_keys(text, "f.json", "s", &sink);
  const nlohmann::json whole = nlohmann::json::parse(text);
  EXPECT_EQ(sink.begins, 1);  // only the top-level key streams, not b.s
  EXPECT_EQ(sink.seen_before, nlohmann::json::parse(R"({"a": 1, "s": []})"));
  ASSERT_EQ(sink.elements.size(), whole["s"].size());
  for (size_t i = 0; i < sink.elements.size(); ++i) EXPECT_EQ(sink.elements[i], whole["s"][i]) << i;
  nlohmann::json expected = whole;
  expected["s"] = nlohmann::json::array();
  EXPECT_EQ(doc, expected);
}

TEST(JsonUniqueKeys, RefusedStreamKeepsTheElementsInTheDocument) {
  const std::string text = R"({"s": [1, {"x": 2}], "t": 3})";
  Collector sink(false);
  EXPECT_EQ(parse_json_unique_keys(text, "f.json", "s", &sink), nlohmann::json::parse(text));
  EXPECT_EQ(sink.begins, 1);
  EXPECT_TRUE(sink.elements.empty());
}

TEST(JsonUniqueKeys, StreamedKeyWithAScalarValueIsNotStreamed) {
  Collector sink(true);
  EXPECT_EQ(parse_json_unique_keys(R"({"s": 5, "t": [1]})", "f.json", "s", &sink),
            nlohmann::json::parse(R"({"s": 5, "t": [1]})"));
  EXPECT_EQ(sink.begins, 0);
}

TEST(JsonUniqueKeys, RepeatedKeyInsideAStreamedElementNamesItsDepth) {
  Collector sink(true);
  try {
    parse_json_unique_keys(R"({"s": [{"a": 1}, {"b": {"c": 1, "c": 2}}]})", "f.json", "s", &sink);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "f.json: key 'c' repeated in one object (depth 4)");
  }
  EXPECT_EQ(sink.elements.size(), 1u);
}

}  // namespace
}  // namespace trnsim::isa
