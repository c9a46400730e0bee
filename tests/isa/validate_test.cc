// The validator and the tile allocator: a program using every opcode correctly passes; each
// class of error is reported with the instruction index, the operand or attribute and the
// reason; the allocator's placements are checked against hand-computed addresses.
#include "isa/validate.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/trace_json.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

CoreLimits test_limits() {
  CoreLimits l;
  l.partitions = 128;
  l.sbuf_partition_bytes = 192 * 1024;
  l.psum_partition_bytes = 16 * 1024;
  l.psum_bank_bytes = 2048;
  l.matmul_max_moving_free = 512;
  l.matmul_max_stationary_free = 128;
  return l;
}

json tile(const char* name, const char* mem, int p, std::vector<int> shape, const char* dtype) {
  return {{"name", name}, {"memory", mem}, {"partitions", p}, {"shape", shape}, {"dtype", dtype}};
}

json base_trace(const json& instructions) {
  json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "v"}};
  j["tensors"] = {
      {{"name", "x"}, {"shape", {128, 512}}, {"dtype", "bfloat16"}, {"role", "input"}},
      {{"name", "y"}, {"shape", {128, 512}}, {"dtype", "float32"}, {"role", "output"}},
      {{"name", "h3"}, {"shape", {128, 4, 8}}, {"dtype", "float32"}, {"role", "scratch"}}};
  j["tiles"] = {
      tile("a", "sbuf", 128, {512}, "bfloat16"),    tile("b", "sbuf", 128, {512}, "bfloat16"),
      tile("s", "sbuf", 128, {128}, "bfloat16"),    tile("col", "sbuf", 128, {1}, "float32"),
      tile("col2", "sbuf", 128, {2}, "float32"),    tile("f", "sbuf", 128, {512}, "float32"),
      tile("i32", "sbuf", 128, {512}, "int32"),     tile("idx", "sbuf", 128, {8}, "uint32"),
      tile("v8", "sbuf", 128, {8}, "float32"),      tile("st", "sbuf", 128, {12}, "float32"),
      tile("mv", "sbuf", 128, {2}, "float32"),      tile("row", "sbuf", 1, {512}, "float32"),
      tile("t3", "sbuf", 128, {4, 8}, "float32"),   tile("small", "sbuf", 32, {32}, "float32"),
      tile("big", "sbuf", 128, {1024}, "bfloat16"), tile("acc", "psum", 128, {512}, "float32"),
      tile("accb", "psum", 128, {512}, "bfloat16"), tile("wide", "psum", 128, {1024}, "float32"),
      tile("pt", "psum", 128, {128}, "float32")};
  j["instructions"] = instructions;
  return j;
}

// Two valid instructions, then `bad` as instruction 2.
std::string validate_error(const json& bad) {
  const json ins = {{{"op", "dma_copy"}, {"dst", "a"}, {"src", "x"}},
                    {{"op", "memset"}, {"dst", "f"}, {"value", 0}},
                    bad};
  Program p = program_from_json(base_trace(ins));
  try {
    validate(p, test_limits());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Validate, EveryOpcodeUsedCorrectlyPasses) {
  const json ins = json::parse(R"([
    {"op": "dma_copy", "dst": "a", "src": "x", "label": "load"},
    {"op": "dma_copy", "dst": "h3", "src": "t3"},
    {"op": "dma_copy", "dst": "f", "src": "f[7:135:0]", "label": "partition broadcast"},
    {"op": "dma_transpose", "dst": "s", "src": "x[0:128, 0:128]"},
    {"op": "nc_matmul", "dst": "acc", "stationary": "s", "moving": "a"},
    {"op": "nc_matmul", "dst": "wide[0:64, 512:1024]", "stationary": "s[:, 0:64]",
     "moving": "a", "accumulate": true},
    {"op": "nc_transpose", "dst": "pt", "src": "s"},
    {"op": "nc_transpose", "dst": "small[0:16, 0:32]", "src": "small[:, 0:16]",
     "engine": "vector"},
    {"op": "activation", "dst": "f", "src": "a", "func": "exp", "bias": "col", "scale": "col",
     "reduce_dst": "col"},
    {"op": "activation", "dst": "f", "src": "acc", "func": "copy", "scale": 0.5},
    {"op": "activation_reduce", "dst": "f", "src": "a", "func": "silu", "reduce_dst": "col"},
    {"op": "tensor_tensor", "dst": "f", "src0": "a", "src1": "acc", "alu_op": "multiply"},
    {"op": "tensor_tensor", "dst": "i32", "src0": "i32", "src1": "i32", "alu_op": "bitwise_and",
     "engine": "gpsimd"},
    {"op": "tensor_scalar", "dst": "f", "src": "f", "op0": "subtract", "operand0": "col",
     "op1": "multiply", "operand1": 2.0, "engine": "scalar"},
    {"op": "scalar_tensor_tensor", "dst": "f", "src0": "f", "operand0": "col", "src1": "a",
     "op0": "multiply", "op1": "add"},
    {"op": "tensor_scalar_reduce", "dst": "f", "src": "f", "operand0": 1, "op0": "add",
     "reduce_dst": "col"},
    {"op": "tensor_copy", "dst": "b", "src": "acc"},
    {"op": "reciprocal", "dst": "col", "src": "col"},
    {"op": "memset", "dst": "t3", "value": "-inf"},
    {"op": "tensor_tensor_scan", "dst": "f", "src0": "f", "src1": "a", "initial": "col",
     "op0": "multiply", "op1": "add"},
    {"op": "range_select", "dst": "f", "src": "f", "bound0": "col", "bound1": "col",
     "comp_op0": "greater_equal", "comp_op1": "less", "on_false_value": -1e30,
     "reduce_dst": "col"},
    {"op": "tensor_reduce", "dst": "col", "src": "f", "alu_op": "maximum", "axis": [1]},
    {"op": "tensor_reduce", "dst": "st[:, 0:4]", "src": "t3", "alu_op": "add", "axis": [2]},
    {"op": "tensor_reduce", "dst": "t3[:, :, 0]", "src": "t3", "alu_op": "add", "axis": [2],
     "keepdims": true},
    {"op": "tensor_reduce", "dst": "col", "src": "t3", "alu_op": "add", "axis": [1, 2]},
    {"op": "tensor_partition_reduce", "dst": "row", "src": "f", "alu_op": "add"},
    {"op": "bn_stats", "dst": "st[:, 0:6]", "src": "f"},
    {"op": "bn_aggr", "dst": "mv", "src": "st"},
    {"op": "max8", "dst": "v8", "src": "f"},
    {"op": "nc_find_index8", "dst": "idx", "src": "f", "vals": "v8"},
    {"op": "nc_match_replace8", "dst": "f", "src": "f", "vals": "v8", "imm_value": 0},
    {"op": "tensor_copy", "dst": "f", "src": "col[:, 0:512:0]"},
    {"op": "iota", "dst": "t3", "pattern": [8, 1], "channel_multiplier": 32},
    {"op": "affine_select", "dst": "t3", "src": "t3", "pattern": [-1, 1],
     "on_false_value": -3e38}
  ])");
  Program p = program_from_json(base_trace(ins));
  EXPECT_NO_THROW(validate(p, test_limits()));
  for (const Tile& t : p.tiles) EXPECT_GE(t.address, 0) << t.name;
}

struct BadCase {
  const char* name;
  const char* instruction;            // JSON of instruction 2
  std::vector<const char*> expected;  // substrings of the message
};

TEST(Validate, EveryErrorClassNamesIndexFieldAndReason) {
  const std::vector<BadCase> cases = {
      // ---- views ----
      {"out of bounds",
       R"({"op": "tensor_copy", "dst": "f[:, 0:600]", "src": "f"})",
       {"instruction 2 (tensor_copy)", "dst 'f[:, 0:600]'", "out of bounds", "[128, 512]"}},
      {"empty view",
       R"({"op": "tensor_copy", "dst": "f[:, 5:5]", "src": "f[:, 5:5]"})",
       {"instruction 2 (tensor_copy)", "dst", "is empty"}},
      {"partition step",
       R"({"op": "tensor_copy", "dst": "f[0:128:2]", "src": "f[0:64]"})",
       {"instruction 2 (tensor_copy)", "dst 'f[0:128:2]'", "partition step 2"}},
      {"partition broadcast outside a DMA source",
       R"({"op": "tensor_copy", "dst": "f", "src": "f[0:128:0]"})",
       {"instruction 2 (tensor_copy)", "src 'f[0:128:0]'", "step 0",
        "allowed only on a dma_copy source"}},
      {"partition broadcast as a DMA destination",
       R"({"op": "dma_copy", "dst": "f[0:128:0]", "src": "f"})",
       {"instruction 2 (dma_copy)", "dst 'f[0:128:0]'", "allowed only on a dma_copy source"}},
      {"partition broadcast of a row past the end",
       R"({"op": "dma_copy", "dst": "f", "src": "f[128:256:0]"})",
       {"instruction 2 (dma_copy)", "src", "broadcasts index 128", "out of bounds"}},
      {"free-dim broadcast as a destination",
       R"({"op": "tensor_copy", "dst": "f[:, 0:512:0]", "src": "f"})",
       {"instruction 2 (tensor_copy)", "dst 'f[:, 0:512:0]'", "step 0",
        "allowed only on an operand that is read"}},
      {"free-dim broadcast of an index past the end",
       R"({"op": "tensor_copy", "dst": "f", "src": "col[:, 1:513:0]"})",
       {"instruction 2 (tensor_copy)", "src", "broadcasts index 1", "out of bounds"}},
      {"compute engine reads HBM",
       R"({"op": "tensor_copy", "dst": "a", "src": "x"})",
       {"instruction 2 (tensor_copy)", "src 'x'", "is in HBM", "vector engine"}},
      {"gpsimd reads PSUM",
       R"({"op": "tensor_copy", "dst": "f", "src": "acc", "engine": "gpsimd"})",
       {"instruction 2 (tensor_copy)", "src 'acc'", "gpsimd engine cannot access PSUM"}},
      {"label is named",
       R"({"op": "tensor_copy", "dst": "f", "src": "x", "label": "evict 3"})",
       {"instruction 2 (tensor_copy) 'evict 3'", "src 'x'"}},
      // ---- dtypes ----
      {"bitwise on floats",
       R"({"op": "tensor_tensor", "dst": "f", "src0": "f", "src1": "f",
           "alu_op": "bitwise_xor"})",
       {"instruction 2 (tensor_tensor)", "dst 'f'", "float32", "integer dtype",
        "bitwise_xor in attribute 'alu_op'"}},
      {"bitwise reduction on float reduce_dst",
       R"({"op": "activation", "dst": "i32", "src": "a", "func": "copy",
           "reduce_dst": "col", "reduce_op": "bitwise_or"})",
       {"instruction 2 (activation)", "reduce_dst 'col'", "integer dtype", "reduce_op"}},
      {"not a reduction operator",
       R"({"op": "tensor_reduce", "dst": "col", "src": "f", "alu_op": "subtract",
           "axis": [1]})",
       {"instruction 2 (tensor_reduce)", "attribute 'alu_op'", "not a reduction operator"}},
      {"not a comparison",
       R"({"op": "affine_select", "dst": "t3", "src": "t3", "pattern": [1, 1],
           "cmp_op": "add", "on_false_value": 0})",
       {"instruction 2 (affine_select)", "attribute 'cmp_op'", "not a comparison"}},
      // ---- data movement ----
      {"dma element count",
       R"({"op": "dma_copy", "dst": "y[0:64]", "src": "f"})",
       {"instruction 2 (dma_copy)", "dst 'y[0:64]'", "32768 elements", "65536"}},
      {"dma_transpose 3-D",
       R"({"op": "dma_transpose", "dst": "f", "src": "h3"})",
       {"instruction 2 (dma_transpose)", "src 'h3'", "[128, 4, 8]", "2-D"}},
      {"dma_transpose dst shape",
       R"({"op": "dma_transpose", "dst": "s", "src": "x[0:128, 0:64]"})",
       {"instruction 2 (dma_transpose)", "dst 's'", "[F, P]"}},
      // ---- tensor engine ----
      {"matmul dst dtype",
       R"({"op": "nc_matmul", "dst": "accb", "stationary": "s",
           "moving": "a"})",
       {"instruction 2 (nc_matmul)", "dst 'accb'", "bfloat16", "float32"}},
      {"matmul dst in SBUF",
       R"({"op": "nc_matmul", "dst": "f", "stationary": "s",
           "moving": "a"})",
       {"instruction 2 (nc_matmul)", "dst 'f'", "is in sbuf, must be in psum"}},
      {"matmul reads PSUM",
       R"({"op": "nc_matmul", "dst": "acc", "stationary": "s",
           "moving": "acc"})",
       {"instruction 2 (nc_matmul)", "moving 'acc'", "must be in sbuf"}},
      {"matmul integer operand",
       R"({"op": "nc_matmul", "dst": "acc", "stationary": "s",
           "moving": "i32"})",
       {"instruction 2 (nc_matmul)", "moving 'i32'", "integer dtype"}},
      {"matmul M too large",
       R"({"op": "nc_matmul", "dst": "wide", "stationary": "big[:, 0:256]",
           "moving": "a"})",
       {"instruction 2 (nc_matmul)", "stationary 'big[:, 0:256]'", "M = 256", "limit 128"}},
      {"matmul N too large",
       R"({"op": "nc_matmul", "dst": "wide", "stationary": "s",
           "moving": "big"})",
       {"instruction 2 (nc_matmul)", "moving 'big'", "N = 1024", "limit 512"}},
      {"matmul K mismatch",
       R"({"op": "nc_matmul", "dst": "acc[0:64]", "stationary": "s[0:64, 0:64]",
           "moving": "a"})",
       {"instruction 2 (nc_matmul)", "stationary has K = 64", "moving has 128"}},
      {"matmul dst shape",
       R"({"op": "nc_matmul", "dst": "acc[:, 0:256]", "stationary": "s",
           "moving": "a"})",
       {"instruction 2 (nc_matmul)", "dst 'acc[:, 0:256]'", "[M, N]", "128 partitions x 512"}},
      {"matmul crosses a bank",
       R"({"op": "nc_matmul", "dst": "wide[:, 256:768]",
           "stationary": "s", "moving": "a"})",
       {"instruction 2 (nc_matmul)", "dst 'wide[:, 256:768]'", "PSUM bank", "one bank"}},
      {"tensor transpose to SBUF",
       R"({"op": "nc_transpose", "dst": "f[:, 0:128]",
           "src": "s"})",
       {"instruction 2 (nc_transpose)", "dst 'f[:, 0:128]'", "must be in psum"}},
      {"vector transpose too big",
       R"({"op": "nc_transpose", "dst": "f[0:64, 0:64]",
           "src": "f[0:64, 0:64]", "engine": "vector"})",
       {"instruction 2 (nc_transpose)", "src 'f[0:64, 0:64]'", "at most 32 x 32"}},
      {"transpose dst shape",
       R"({"op": "nc_transpose", "dst": "pt[0:64]", "src": "s"})",
       {"instruction 2 (nc_transpose)", "dst 'pt[0:64]'", "[F, P]"}},
      // ---- scalar / vector ----
      {"activation bias shape",
       R"({"op": "activation", "dst": "f", "src": "a", "func": "exp",
           "bias": "col2"})",
       {"instruction 2 (activation)", "bias 'col2'", "[128, 2]", "[P, 1]"}},
      {"activation scale shape",
       R"({"op": "activation", "dst": "f", "src": "a", "func": "exp",
           "scale": "col[0:64]"})",
       {"instruction 2 (activation)", "scale 'col[0:64]'", "[P, 1]"}},
      {"activation reduce_dst shape",
       R"({"op": "activation_reduce", "dst": "f", "src": "a",
           "func": "exp", "reduce_dst": "v8"})",
       {"instruction 2 (activation_reduce)", "reduce_dst 'v8'", "[P, 1]"}},
      {"activation dst shape",
       R"({"op": "activation", "dst": "f[:, 0:256]", "src": "a",
           "func": "exp"})",
       {"instruction 2 (activation)", "dst 'f[:, 0:256]'", "the shape of src"}},
      {"tensor_tensor shapes",
       R"({"op": "tensor_tensor", "dst": "f", "src0": "f",
           "src1": "f[0:64]", "alu_op": "add"})",
       {"instruction 2 (tensor_tensor)", "src1 'f[0:64]'", "64 partitions"}},
      {"tensor_scalar operand shape",
       R"({"op": "tensor_scalar", "dst": "f", "src": "f",
           "operand0": "col2", "op0": "add"})",
       {"instruction 2 (tensor_scalar)", "operand0 'col2'", "[P, 1]"}},
      {"tensor_scalar operand1 without op1",
       R"({"op": "tensor_scalar", "dst": "f", "src": "f",
           "operand0": 1, "op0": "add", "operand1": 2})",
       {"instruction 2 (tensor_scalar)", "operand1 and op1"}},
      {"range_select bound shape",
       R"({"op": "range_select", "dst": "f", "src": "f",
           "bound0": "col", "bound1": "v8", "comp_op0": "greater", "comp_op1": "less",
           "on_false_value": 0})",
       {"instruction 2 (range_select)", "bound1 'v8'", "[P, 1]"}},
      // ---- reductions ----
      {"reduce over partitions",
       R"({"op": "tensor_reduce", "dst": "col", "src": "f",
           "alu_op": "add", "axis": [0]})",
       {"instruction 2 (tensor_reduce)", "attribute 'axis'", "0 is not a free axis"}},
      {"reduce axis out of rank",
       R"({"op": "tensor_reduce", "dst": "col", "src": "f",
           "alu_op": "add", "axis": [2]})",
       {"instruction 2 (tensor_reduce)", "attribute 'axis'", "2 is not a free axis"}},
      {"reduce dst shape",
       R"({"op": "tensor_reduce", "dst": "st[:, 0:8]", "src": "t3",
           "alu_op": "add", "axis": [2]})",
       {"instruction 2 (tensor_reduce)", "dst 'st[:, 0:8]'", "gives [128, 4]"}},
      {"partition reduce dst",
       R"({"op": "tensor_partition_reduce", "dst": "f[0:2]",
           "src": "f", "alu_op": "add"})",
       {"instruction 2 (tensor_partition_reduce)", "dst 'f[0:2]'", "[1, F]"}},
      {"bn_stats N",
       R"({"op": "bn_stats", "dst": "st[:, 0:6]", "src": "big[:, 0:600]"})",
       {"instruction 2 (bn_stats)", "src 'big[:, 0:600]'", "N = 600", "at most 512"}},
      {"bn_stats dst",
       R"({"op": "bn_stats", "dst": "st[:, 0:5]", "src": "f"})",
       {"instruction 2 (bn_stats)", "dst 'st[:, 0:5]'", "[P, 6]"}},
      {"bn_aggr src groups",
       R"({"op": "bn_aggr", "dst": "mv", "src": "st[:, 0:8]"})",
       {"instruction 2 (bn_aggr)", "src 'st[:, 0:8]'", "[P, 3*k]"}},
      {"bn_aggr dst",
       R"({"op": "bn_aggr", "dst": "v8", "src": "st"})",
       {"instruction 2 (bn_aggr)", "dst 'v8'", "[P, 2]"}},
      {"max8 N",
       R"({"op": "max8", "dst": "v8", "src": "f[:, 0:4]"})",
       {"instruction 2 (max8)", "src 'f[:, 0:4]'", "N >= 8"}},
      {"max8 dst",
       R"({"op": "max8", "dst": "st[:, 0:4]", "src": "f"})",
       {"instruction 2 (max8)", "dst 'st[:, 0:4]'", "[P, 8]"}},
      {"find_index8 float dst",
       R"({"op": "nc_find_index8", "dst": "v8", "src": "f",
           "vals": "v8"})",
       {"instruction 2 (nc_find_index8)", "dst 'v8'", "integer dtype"}},
      {"match_replace8 vals",
       R"({"op": "nc_match_replace8", "dst": "f", "src": "f",
           "vals": "st[:, 0:4]", "imm_value": 0})",
       {"instruction 2 (nc_match_replace8)", "vals 'st[:, 0:4]'", "[P, 8]"}},
      // ---- gpsimd index ----
      {"iota pattern length",
       R"({"op": "iota", "dst": "t3", "pattern": [1]})",
       {"instruction 2 (iota)", "attribute 'pattern'", "1 entries", "2 free dims"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string msg = validate_error(json::parse(c.instruction));
    ASSERT_FALSE(msg.empty()) << "no error";
    for (const char* s : c.expected)
      EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  }
}

// Errors only a C++ front end can make (the trace reader rejects them earlier).
TEST(Validate, BuilderMistakesAreNamed) {
  auto error_of = [](const std::function<void(Instruction&)>& mutate) {
    Program p = program_from_json(base_trace(json::parse(
        R"([{"op": "tensor_scalar", "dst": "f", "src": "f", "op0": "add", "operand0": 1}])")));
    mutate(p.instructions[0]);
    try {
      validate(p, test_limits());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto expect_all = [](const std::string& msg, std::vector<const char*> parts) {
    ASSERT_FALSE(msg.empty());
    for (const char* s : parts)
      EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  };
  expect_all(error_of([](Instruction& i) { i.operand("src") = Operand{}; }),
             {"instruction 0 (tensor_scalar)", "operand 'src'", "missing"});
  expect_all(error_of([](Instruction& i) { i.operand("dst").kind = Operand::Kind::kImm; }),
             {"instruction 0 (tensor_scalar)", "operand 'dst'", "immediate, must be a view"});
  expect_all(error_of([](Instruction& i) { i.engine = Engine::kTensor; }),
             {"instruction 0 (tensor_scalar)", "cannot run on the tensor engine"});
  expect_all(error_of([](Instruction& i) { i.attr("op0").present = false; }),
             {"instruction 0 (tensor_scalar)", "attribute 'op0'", "missing"});
  expect_all(error_of([](Instruction& i) { i.attr("op0").num = 99; }),
             {"instruction 0 (tensor_scalar)", "attribute 'op0'", "not an ALU operator"});
  expect_all(error_of([](Instruction& i) { i.operand("src").view.dims.pop_back(); }),
             {"instruction 0 (tensor_scalar)", "src", "1 slices", "'f' has 2 dims"});
  expect_all(error_of([](Instruction& i) { i.operand("src").view.dims[1].step = -1; }),
             {"instruction 0 (tensor_scalar)", "src", "non-positive step"});
  expect_all(error_of([](Instruction& i) { i.attrs.pop_back(); }),
             {"instruction 0 (tensor_scalar)", "attribute slots"});
}

// ---- allocator ----

Program alloc_program(const std::vector<json>& tiles) {
  json j = {{"format", "trnsim-trace"},
            {"version", 1},
            {"tiles", tiles},
            {"instructions", json::array()}};
  return program_from_json(j);
}

std::string alloc_error(const std::vector<json>& tiles) {
  Program p = alloc_program(tiles);
  try {
    allocate_tiles(p, test_limits());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Allocator, SbufFirstFitInDeclarationOrderAligned64) {
  json fixed = tile("fixed", "sbuf", 128, {64}, "float32");  // [256, 512)
  fixed["address"] = 256;
  Program p = alloc_program({tile("t0", "sbuf", 128, {50}, "bfloat16"),        // 100 B -> 0
                             tile("t1", "sbuf", 64, {10}, "float32"),          // 40 B -> 128
                             fixed, tile("t2", "sbuf", 128, {40}, "float32"),  // 160 B -> 512
                             tile("t3", "sbuf", 128, {16}, "bfloat16"),        // 32 B -> 192
                             tile("t4", "sbuf", 128, {1}, "int8")});           // 1 B -> 672
  allocate_tiles(p, test_limits());
  // Hand placement: t0 [0,100); t1 at align64(100)=128, [128,168); fixed [256,512);
  // t2 (160 B) does not fit in [192,256) -> 512; t3 (32 B) fits at 192; t4 at align64(672).
  EXPECT_EQ(p.tiles[0].address, 0);
  EXPECT_EQ(p.tiles[1].address, 128);
  EXPECT_EQ(p.tiles[2].address, 256);
  EXPECT_EQ(p.tiles[3].address, 512);
  EXPECT_EQ(p.tiles[4].address, 192);
  EXPECT_EQ(p.tiles[5].address, 704);
}

TEST(Allocator, PsumTilesRespectBanks) {
  Program p = alloc_program({tile("p0", "psum", 128, {256}, "float32"),    // 1024 B -> 0
                             tile("p1", "psum", 128, {384}, "float32"),    // 1536 B -> 2048
                             tile("p2", "psum", 128, {3}, "bfloat16"),     // 6 B -> 1024
                             tile("p3", "psum", 128, {1024}, "float32"),   // 4096 B -> 4096
                             tile("p4", "psum", 128, {128}, "float32")});  // 512 B -> 1032
  allocate_tiles(p, test_limits());
  // p1 at 1024 would straddle the 2048 boundary, so it starts at bank 1; p2 fits at 1024
  // (4-byte alignment); p3 is larger than a bank and starts on a boundary after p1 (3584 ->
  // 4096); p4 fits in bank 0 right after p2, [1032, 1544).
  EXPECT_EQ(p.tiles[0].address, 0);
  EXPECT_EQ(p.tiles[1].address, 2048);
  EXPECT_EQ(p.tiles[2].address, 1024);
  EXPECT_EQ(p.tiles[3].address, 4096);
  EXPECT_EQ(p.tiles[4].address, 1032);
}

TEST(Allocator, OverflowNamesTileMemoryBytesAndCapacity) {
  const std::string msg = alloc_error({tile("first", "psum", 128, {2048}, "float32"),
                                       tile("second", "psum", 128, {2048}, "float32"),
                                       tile("third", "psum", 128, {2}, "float32")});
  for (const char* s : {"tile 'third'", "psum", "needs 8 bytes", "capacity 16384"})
    EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  const std::string sbuf = alloc_error({tile("huge", "sbuf", 128, {50000}, "float32")});
  for (const char* s : {"tile 'huge'", "sbuf", "needs 200000 bytes", "capacity 196608"})
    EXPECT_NE(sbuf.find(s), std::string::npos) << "'" << s << "' not in: " << sbuf;
}

TEST(Allocator, FixedTilesOverlapOrMisfitAreErrors) {
  json a = tile("a", "sbuf", 128, {64}, "float32");  // [0, 256)
  a["address"] = 0;
  json b = tile("b", "sbuf", 16, {8}, "float32");  // [192, 224)
  b["address"] = 192;
  std::string msg = alloc_error({a, b});
  for (const char* s : {"tile 'b'", "tile 'a'", "overlaps", "[192, 224)", "[0, 256)"})
    EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  b["address"] = 256;
  EXPECT_EQ(alloc_error({a, b}), "");  // adjacent is fine
  b["address"] = 258;
  msg = alloc_error({a, b});
  EXPECT_NE(msg.find("multiple of its element size 4"), std::string::npos) << msg;
  b["address"] = 196608 - 16;
  msg = alloc_error({b});
  EXPECT_NE(msg.find("capacity of 196608"), std::string::npos) << msg;
}

TEST(Validate, DeclarationErrors) {
  Program p = alloc_program({tile("wide", "sbuf", 256, {4}, "float32")});
  try {
    validate(p, test_limits());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("tile 'wide'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("256 partitions, limit 128"), std::string::npos) << msg;
  }
}

TEST(Validate, CheckedInMatmulTraceIsValid) {
  Program p =
      read_trace_file(std::string(TRNSIM_SOURCE_DIR) + "/traces/matmul_256x384x512_bf16.json");
  EXPECT_NO_THROW(validate(p, test_limits()));
}

}  // namespace
}  // namespace trnsim::isa
