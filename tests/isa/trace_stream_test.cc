// read_trace_file converts the instructions while the parser reads them (the document of a
// large trace never exists whole). These tests pin down that this is invisible: the same
// program as program_from_json on the whole document, and the same error when a trace has
// several faults (syntax and repeated keys first, then header, declarations, instructions).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "tests/temp_dir.h"

namespace trnsim::isa {
namespace {

const char* kTensors = R"("tensors": [{"name": "x", "shape": [128, 64], "dtype": "bfloat16", "role": "input"},
                {"name": "y", "shape": [128, 64], "dtype": "bfloat16", "role": "output"}])";
const char* kTiles = R"("tiles": [{"name": "t", "memory": "sbuf", "partitions": 128, "shape": [64], "dtype": "float32"}])";
const char* kGood = R"({"op": "dma_copy", "dst": "t", "src": "x", "label": "load"},
    {"op": "activation", "dst": "t[0:64]", "src": "t[0:64, 0:64:2]", "func": "exp", "scale": 2.0},
    {"op": "dma_copy", "dst": "y", "src": "t"})";

std::string trace(const std::string& header, const std::string& instructions,
                  const std::string& tail = "") {
  return "{" + header + ",\n" + std::string(kTensors) + ",\n" + kTiles + ",\n\"instructions\": [" +
         instructions + "]" + tail + "}";
}
const std::string kHeader = R"("format": "trnsim-trace", "version": 1, "name": "s")";

class TraceStream : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const std::string path = dir_ / "trace.json";
    std::ofstream(path) << text;
    return path;
  }
  // The error of reading `text` from a file, without the file name; "" if it reads.
  std::string error_of(const std::string& text) {
    const std::string path = write(text);
    try {
      read_trace_file(path);
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
      return msg.substr(path.size() + 2);
    }
    return "";
  }
  trnsim::testing::TempDir dir_;
};

void expect_same(const Program& a, const Program& b) {
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  ASSERT_EQ(a.tiles.size(), b.tiles.size());
  ASSERT_EQ(a.instructions.size(), b.instructions.size());
  for (size_t i = 0; i < a.instructions.size(); ++i) {
    const Instruction& x = a.instructions[i];
    const Instruction& y = b.instructions[i];
    EXPECT_EQ(x.op, y.op) << i;
    EXPECT_EQ(x.engine, y.engine) << i;
    EXPECT_EQ(x.label, y.label) << i;
    ASSERT_EQ(x.operands.size(), y.operands.size()) << i;
    for (size_t s = 0; s < x.operands.size(); ++s) {
      EXPECT_EQ(x.operands[s].kind, y.operands[s].kind) << i << " " << s;
      EXPECT_EQ(x.operands[s].imm, y.operands[s].imm) << i << " " << s;
      EXPECT_TRUE(x.operands[s].view == y.operands[s].view) << i << " " << s;
    }
    ASSERT_EQ(x.attrs.size(), y.attrs.size()) << i;
    for (size_t s = 0; s < x.attrs.size(); ++s) {
      EXPECT_EQ(x.attrs[s].present, y.attrs[s].present) << i << " " << s;
      EXPECT_EQ(x.attrs[s].num, y.attrs[s].num) << i << " " << s;
      EXPECT_EQ(x.attrs[s].ints, y.attrs[s].ints) << i << " " << s;
    }
  }
}

TEST_F(TraceStream, SameProgramAsTheWholeDocument) {
  const std::string text = trace(kHeader, kGood);
  const Program streamed = read_trace_file(write(text));
  ASSERT_EQ(streamed.instructions.size(), 3u);
  EXPECT_EQ(streamed.instructions[0].label, "load");
  EXPECT_EQ(streamed.instructions[1].operand("src").view.dims[1], (Slice{0, 64, 2}));
  expect_same(streamed, program_from_json(nlohmann::json::parse(text)));
}

TEST_F(TraceStream, InstructionsBeforeTheDeclarationsStillRead) {
  const std::string text = "{\"instructions\": [" + std::string(kGood) + "], " + kHeader + ", " +
                           kTiles + ", " + kTensors + "}";
  const Program p = read_trace_file(write(text));
  ASSERT_EQ(p.instructions.size(), 3u);
  expect_same(p, program_from_json(nlohmann::json::parse(text)));
}

TEST_F(TraceStream, FirstBadInstructionIsReported) {
  const std::string bad1 = R"({"op": "dma_copy", "dst": "q", "src": "x"})";
  const std::string bad2 = R"({"op": "nope"})";
  EXPECT_EQ(error_of(trace(kHeader, std::string(kGood) + ",\n" + bad1 + ",\n" + bad2)),
            "instruction 3 (dma_copy): field 'dst': bad view 'q': unknown buffer 'q'");
}

TEST_F(TraceStream, HeaderErrorsComeBeforeInstructionErrors) {
  const std::string bad = R"({"op": "nope"})";
  const std::string version2 = R"("format": "trnsim-trace", "version": 2)";
  EXPECT_EQ(error_of(trace(version2, bad)),
            "trace: field 'version': unsupported version 2 (this build reads version 1)");
  // An unknown top-level key after the instructions is still found first.
  EXPECT_EQ(error_of(trace(kHeader, bad, ", \"extra\": 1")), "trace: unknown field 'extra'");
  // The format comes after the instructions in the text.
  EXPECT_EQ(error_of(trace(R"("version": 1)", bad, R"(, "format": "other")")),
            "trace: field 'format': expected \"trnsim-trace\", got \"other\"");
}

TEST_F(TraceStream, DeclarationErrorsComeBeforeInstructionErrors) {
  const std::string text = "{" + kHeader + ", " + kTensors +
                           R"(, "tiles": [{"name": "t", "memory": "dram", "partitions": 1, "shape": [1], "dtype": "float32"}],
      "instructions": [{"op": "nope"}]})";
  EXPECT_EQ(error_of(text), "tile 't': field 'memory': unknown on-chip memory 'dram' (sbuf or psum)");
}

TEST_F(TraceStream, SyntaxAndRepeatedKeysAfterABadInstructionComeFirst) {
  const std::string bad = R"({"op": "nope"})";
  const std::string syntax = error_of(trace(kHeader, bad + ", {\"op\": }"));
  EXPECT_EQ(syntax.rfind("not valid JSON: ", 0), 0u) << syntax;
  EXPECT_EQ(error_of(trace(kHeader, bad + R"(, {"op": "memset", "op": "memset"})")),
            "key 'op' repeated in one object (depth 3)");
}

TEST_F(TraceStream, ScalarAndArrayElementsAreInstructionsToo) {
  EXPECT_EQ(error_of(trace(kHeader, std::string(kGood) + ", 7")),
            "instruction 3: expected an object, got number");
  EXPECT_EQ(error_of(trace(kHeader, "[{\"op\": \"memset\"}]")),
            "instruction 0: expected an object, got array");
}

}  // namespace
}  // namespace trnsim::isa
