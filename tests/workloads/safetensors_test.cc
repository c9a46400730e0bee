#include "workloads/safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

// A file built byte by byte: header length (LE u64), JSON, data.
std::string make_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += char(x);
  return s;
}

std::string error_of(const std::string& file) {
  try {
    parse_safetensors(file, "w.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, HandBuiltFileDecodes) {
  // bf16 1.0 = 0x3F80, -2.0 = 0xC000 (little endian); f32 0.5 = 0x3F000000; f16 1.5 = 0x3E00.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]},)"
      R"("c":{"dtype":"F16","shape":[1],"data_offsets":[8,10]}})";
  const std::string data = bytes({0x80, 0x3F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x3E});
  const SafeTensorsFile f = parse_safetensors(make_file(header, data), "w");
  EXPECT_EQ(f.metadata.at("format"), "pt");
  ASSERT_EQ(f.at("a").values.size(), 2u);
  EXPECT_EQ(f.at("a").values[0], 1.0f);
  EXPECT_EQ(f.at("a").values[1], -2.0f);
  EXPECT_EQ(f.at("b").shape, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(f.at("b").values[0], 0.5f);
  EXPECT_EQ(f.at("c").values[0], 1.5f);
  EXPECT_THROW(f.at("zz"), Error);
}

TEST(Safetensors, RoundTripThroughFile) {
  SafeTensorsFile f;
  f.metadata["k"] = "v";
  f.tensors["w"] = {isa::DType::kBf16, {2, 3}, {1, 2, 3, 4, 5, 1.00390625f}};
  f.tensors["x"] = {isa::DType::kFp32, {3}, {0.1f, -0.2f, 7}};
  const std::string path = ::testing::TempDir() + "/rt.safetensors";
  write_safetensors(path, f);
  const SafeTensorsFile g = read_safetensors(path);
  EXPECT_EQ(g.metadata.at("k"), "v");
  EXPECT_EQ(g.at("w").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(g.at("w").values[5], 1.0f);  // 1 + 2^-8 rounds to even in bf16
  EXPECT_EQ(g.at("x").values[1], -0.2f);
  std::remove(path.c_str());
}

TEST(Safetensors, Errors) {
  EXPECT_NE(error_of("abc").find("truncated"), std::string::npos);
  std::string good =
      make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0'));
  EXPECT_EQ(error_of(good), "");
  EXPECT_NE(error_of(good.substr(0, good.size() - 1)).find("beyond"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, 20)).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
                               std::string(8, '\0')))
                .find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                               std::string(12, '\0')))
                .find("shape needs"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                               std::string(8, '\0')))
                .find("end before begin"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               std::string(8, '\0')))
                .find("overlapping"),
            std::string::npos);
  EXPECT_NE(error_of(make_file("{not json", "")).find("JSON"), std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32"}})", "")).find("'a'"), std::string::npos);
}

}  // namespace
}  // namespace trnsim::workloads
