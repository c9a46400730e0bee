// The JSON trace codec: a hand-written trace parses to the expected program, every opcode of the
// table round trips exactly (program and text), the file text is pinned, and every class of bad
// input gets an error naming where, the field and the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/trace_json.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

const char* kHandWritten = R"({
  "format": "trnsim-trace", "version": 1, "name": "hand",
  "comment": "a trace written by hand",
  "tensors": [{"name": "x", "shape": [128, 1024], "dtype": "bf16", "role": "input"},
              {"name": "y", "shape": [128, 1024], "dtype": "float32", "role": "output"}],
  "tiles": [{"name": "xt", "memory": "sbuf", "partitions": 128, "shape": [4, 256],
             "dtype": "bfloat16"},
            {"name": "acc", "memory": "psum", "partitions": 128, "shape": [512],
             "dtype": "float32", "address": 2048},
            {"name": "col", "memory": "sbuf", "partitions": 128, "shape": [1], "dtype": "fp32"}],
  "instructions": [
    {"op": "dma_copy", "dst": "xt", "src": "x[:, 0:1024]", "label": "load x", "queue": 3},
    {"op": "activation", "dst": "xt[0:64, 1, ::2]", "src": "xt[0:64, -1, 1:256:2]",
     "func": "exp", "bias": "col[0:64]", "engine": "act"},
    {"op": "tensor_tensor", "dst": "xt[:, 0]", "src0": "xt[:, 1]", "src1": "xt[:, 2]",
     "alu_op": "multiply", "engine": "gpsimd"},
    {"op": "tensor_scalar", "dst": "col", "src": "col", "op0": "add", "operand0": "-inf",
     "op1": "multiply", "operand1": "col", "reverse1": true},
    {"op": "tensor_reduce", "dst": "col", "src": "xt[:, 0, :]", "alu_op": "maximum",
     "axis": [2], "comment": "row max"}
  ]})";

TEST(TraceJson, HandWrittenTraceParses) {
  const Program p = program_from_json(json::parse(kHandWritten));
  EXPECT_EQ(p.name, "hand");
  ASSERT_EQ(p.tensors.size(), 2u);
  EXPECT_EQ(p.tensors[0].shape, (std::vector<int64_t>{128, 1024}));
  EXPECT_EQ(p.tensors[0].dtype, DType::kBf16);
  EXPECT_EQ(p.tensors[1].role, TensorRole::kOutput);
  ASSERT_EQ(p.tiles.size(), 3u);
  EXPECT_EQ(p.tiles[0].free_shape, (std::vector<int64_t>{4, 256}));
  EXPECT_FALSE(p.tiles[0].fixed_address.has_value());
  EXPECT_EQ(p.tiles[1].memory, Memory::kPsum);
  EXPECT_EQ(p.tiles[1].fixed_address, 2048);
  ASSERT_EQ(p.instructions.size(), 5u);

  const Instruction& load = p.instructions[0];
  EXPECT_EQ(load.op, Opcode::dma_copy);
  EXPECT_EQ(load.engine, Engine::kDma);
  EXPECT_EQ(load.label, "load x");
  EXPECT_EQ(load.attr("queue").num, 3);
  EXPECT_EQ(load.operand("dst").view, p.whole(BufferRef{Memory::kSbuf, 0}));

  const Instruction& act = p.instructions[1];
  EXPECT_EQ(act.engine, Engine::kScalar);
  const View& dst = act.operand("dst").view;
  ASSERT_EQ(dst.dims.size(), 3u);
  EXPECT_EQ(dst.dims[0], (Slice{0, 64, 1}));
  EXPECT_EQ(dst.dims[1], (Slice{1, 2, 1}));    // an integer keeps the dim, with size 1
  EXPECT_EQ(dst.dims[2], (Slice{0, 256, 2}));  // omitted bounds = whole dim
  const View& src = act.operand("src").view;
  EXPECT_EQ(src.dims[1], (Slice{3, 4, 1}));  // -1 counts from the end of the dim (4)
  EXPECT_EQ(src.dims[2], (Slice{1, 256, 2}));
  EXPECT_TRUE(act.operand("scale").is_imm());  // table default scale=1
  EXPECT_EQ(act.operand("scale").imm, 1.0);
  EXPECT_FALSE(act.operand("reduce_dst").present());
  EXPECT_EQ(act.attr("func").num, int(ActFunc::kExp));
  EXPECT_EQ(act.attr("reduce_op").num, int(AluOp::kAdd));  // table default
  EXPECT_EQ(act.operand("bias").view.dims[0], (Slice{0, 64, 1}));

  EXPECT_EQ(p.instructions[2].engine, Engine::kGpsimd);
  EXPECT_EQ(p.instructions[2].attr("alu_op").num, int(AluOp::kMultiply));

  const Instruction& ts = p.instructions[3];
  EXPECT_TRUE(std::isinf(ts.operand("operand0").imm) && ts.operand("operand0").imm < 0);
  EXPECT_TRUE(ts.operand("operand1").is_view());
  EXPECT_EQ(ts.attr("reverse0").num, 0);
  EXPECT_EQ(ts.attr("reverse1").num, 1);
  EXPECT_EQ(p.instructions[4].attr("axis").ints, (std::vector<int64_t>{2}));
}

// Equality of everything the format carries (resolved tile addresses are not part of it).
void expect_same_program(const Program& a, const Program& b) {
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
    EXPECT_EQ(a.tensors[i].shape, b.tensors[i].shape);
    EXPECT_EQ(a.tensors[i].dtype, b.tensors[i].dtype);
    EXPECT_EQ(a.tensors[i].role, b.tensors[i].role);
  }
  ASSERT_EQ(a.tiles.size(), b.tiles.size());
  for (size_t i = 0; i < a.tiles.size(); ++i) {
    EXPECT_EQ(a.tiles[i].name, b.tiles[i].name);
    EXPECT_EQ(a.tiles[i].memory, b.tiles[i].memory);
    EXPECT_EQ(a.tiles[i].partitions, b.tiles[i].partitions);
    EXPECT_EQ(a.tiles[i].free_shape, b.tiles[i].free_shape);
    EXPECT_EQ(a.tiles[i].dtype, b.tiles[i].dtype);
    EXPECT_EQ(a.tiles[i].fixed_address, b.tiles[i].fixed_address);
  }
  ASSERT_EQ(a.instructions.size(), b.instructions.size());
  for (size_t i = 0; i < a.instructions.size(); ++i) {
    SCOPED_TRACE("instruction " + std::to_string(i));
    const Instruction& x = a.instructions[i];
    const Instruction& y = b.instructions[i];
    EXPECT_EQ(x.op, y.op);
    EXPECT_EQ(x.engine, y.engine);
    EXPECT_EQ(x.label, y.label);
    ASSERT_EQ(x.operands.size(), y.operands.size());
    for (size_t s = 0; s < x.operands.size(); ++s) {
      EXPECT_EQ(x.operands[s].kind, y.operands[s].kind);
      if (x.operands[s].is_view()) {
        EXPECT_EQ(x.operands[s].view, y.operands[s].view);
      }
      if (x.operands[s].is_imm()) {
        const double u = x.operands[s].imm, v = y.operands[s].imm;
        EXPECT_TRUE((std::isnan(u) && std::isnan(v)) ||
                    (u == v && std::signbit(u) == std::signbit(v)))
            << u << " vs " << v;
      }
    }
    ASSERT_EQ(x.attrs.size(), y.attrs.size());
    for (size_t s = 0; s < x.attrs.size(); ++s) {
      EXPECT_EQ(x.attrs[s].present, y.attrs[s].present);
      const double u = x.attrs[s].num, v = y.attrs[s].num;
      EXPECT_TRUE((std::isnan(u) && std::isnan(v)) || u == v) << u << " vs " << v;
      EXPECT_EQ(x.attrs[s].ints, y.attrs[s].ints);
    }
  }
}

// One instruction of every opcode, every slot filled with a non-default value, cycling through
// view shapes, awkward doubles and the engines each opcode allows.
Program every_opcode_program() {
  Program p;
  p.name = "every opcode \"quoted\"";
  p.tensors.push_back({"h", {256, 3, 40}, DType::kFp8E5M2, TensorRole::kScratch});
  Tile t;
  t.name = "t";
  t.memory = Memory::kSbuf;
  t.partitions = 128;
  t.free_shape = {8, 64};
  t.dtype = DType::kInt16;
  p.tiles.push_back(t);
  t.name = "ps";
  t.memory = Memory::kPsum;
  t.free_shape = {512};
  t.dtype = DType::kFp32;
  t.fixed_address = 4096;
  p.tiles.push_back(t);
  const std::vector<View> views = {
      p.whole({Memory::kSbuf, 0}),
      View{{Memory::kSbuf, 0}, {{0, 64, 1}, {3, 4, 1}, {1, 63, 3}}},
      View{{Memory::kPsum, 1}, {{5, 6, 1}, {0, 512, 2}}},
      View{{Memory::kHbm, 0}, {{10, 200, 7}, {0, 3, 1}, {39, 40, 1}}},
      View{{Memory::kSbuf, 0}, {{0, 128, 1}, {0, 8, 1}, {0, 600, 1}}},  // out of bounds kept
  };
  const std::vector<double> numbers = {0.1,           -0.0,
                                       1e-300,        std::numeric_limits<double>::infinity(),
                                       -3.5,          std::numeric_limits<double>::quiet_NaN(),
                                       123456789.125, -std::numeric_limits<double>::infinity()};
  int k = 0;
  for (int op = 0; op < kNumOpcodes; ++op) {
    const InstrInfo& in = info(Opcode(op));
    for (int e = 0; e < kNumEngines; ++e) {
      if (!(in.engines & engine_bit(Engine(e)))) continue;
      Instruction ins = make_instruction(Opcode(op));
      ins.engine = Engine(e);
      ins.label = k % 2 ? "" : "label " + std::to_string(k) + " \\ \xc3\xa9";
      for (size_t s = 0; s < in.operands.size(); ++s, ++k) {
        Operand& o = ins.operands[s];
        if (in.operands[s].kind == OperandKind::kInOrImm && k % 3 == 0) {
          o.kind = Operand::Kind::kImm;
          o.imm = numbers[k % numbers.size()];
        } else if (in.operands[s].optional && k % 5 == 1) {
          o.kind = Operand::Kind::kAbsent;  // also for a defaulted immediate: written as null
        } else {
          o.kind = Operand::Kind::kView;
          o.view = views[k % views.size()];
        }
      }
      for (size_t s = 0; s < in.attrs.size(); ++s, ++k) {
        AttrValue& a = ins.attrs[s];
        a.present = true;
        switch (in.attrs[s].type) {
          case AttrType::kInt:
            a.num = -7 + k;
            break;
          case AttrType::kFloat:
            a.num = numbers[k % numbers.size()];
            break;
          case AttrType::kBool:
            a.num = k % 2;
            break;
          case AttrType::kAlu:
            a.num = k % kNumAluOps;
            break;
          case AttrType::kAct:
            a.num = k % num_act_funcs();
            break;
          case AttrType::kInts:
            a.ints = {k, -1, 0};
            break;
        }
        if (in.attrs[s].optional && k % 7 == 0) a = AttrValue{};  // absent
      }
      p.instructions.push_back(ins);
    }
  }
  return p;
}

TEST(TraceJson, EveryOpcodeRoundTripsExactly) {
  const Program p = every_opcode_program();
  ASSERT_GT(p.instructions.size(), size_t(kNumOpcodes));
  const json j = program_to_json(p);
  const Program back = program_from_json(j);
  expect_same_program(p, back);
  EXPECT_EQ(program_to_json(back), j);
  // The file text reads back to the same program and is stable.
  const std::string text = trace_to_text(p);
  const Program from_text = program_from_json(json::parse(text));
  expect_same_program(p, from_text);
  EXPECT_EQ(trace_to_text(from_text), text);
}

TEST(TraceJson, HandWrittenTraceRoundTrips) {
  const Program p = program_from_json(json::parse(kHandWritten));
  const Program back = program_from_json(program_to_json(p));
  expect_same_program(p, back);
}

TEST(TraceJson, CanonicalTextIsPinned) {
  const Program p = program_from_json(json::parse(kHandWritten));
  const std::string expected = R"({
  "format": "trnsim-trace",
  "version": 1,
  "name": "hand",
  "tensors": [
    {"name":"x","shape":[128,1024],"dtype":"bfloat16","role":"input"},
    {"name":"y","shape":[128,1024],"dtype":"float32","role":"output"}
  ],
  "tiles": [
    {"name":"xt","memory":"sbuf","partitions":128,"shape":[4,256],"dtype":"bfloat16"},
    {"name":"acc","memory":"psum","partitions":128,"shape":[512],"dtype":"float32","address":2048},
    {"name":"col","memory":"sbuf","partitions":128,"shape":[1],"dtype":"float32"}
  ],
  "instructions": [
    {"op":"dma_copy","dst":"xt","src":"x","queue":3,"label":"load x"},
    {"op":"activation","dst":"xt[0:64, 1, 0:256:2]","src":"xt[0:64, 3, 1:256:2]","bias":"col[0:64]","func":"exp"},
    {"op":"tensor_tensor","engine":"gpsimd","dst":"xt[:, 0]","src0":"xt[:, 1]","src1":"xt[:, 2]","alu_op":"multiply"},
    {"op":"tensor_scalar","dst":"col","src":"col","operand0":"-inf","operand1":"col","op0":"add","op1":"multiply","reverse1":true},
    {"op":"tensor_reduce","dst":"col","src":"xt[:, 0]","alu_op":"maximum","axis":[2]}
  ]
}
)";
  EXPECT_EQ(trace_to_text(p), expected);
}

TEST(TraceJson, FileRoundTripAndMissingFile) {
  const Program p = program_from_json(json::parse(kHandWritten));
  const std::string path = ::testing::TempDir() + "trnsim_trace_test.json";
  write_trace_file(p, path);
  expect_same_program(p, read_trace_file(path));
  std::remove(path.c_str());
  try {
    read_trace_file(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(TraceJson, RepeatedKeyInAFileIsAnError) {
  // JSON parsers keep the last of repeated keys, which silently dropped an opcode once.
  const std::string path = ::testing::TempDir() + "trnsim_trace_dup_test.json";
  {
    std::ofstream out(path);
    out << R"({"format": "trnsim-trace", "version": 1, "tiles": [], "instructions": [
      {"op": "tensor_tensor", "dst": "t", "src0": "t", "src1": "t", "op": "multiply"}]})";
  }
  try {
    read_trace_file(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("key 'op' repeated"), std::string::npos) << msg;
  }
  std::remove(path.c_str());
}

TEST(TraceJson, ViewsParseAndPrintCanonically) {
  Program p;
  p.tensors.push_back({"w", {300, 7, 9}, DType::kFp32, TensorRole::kInput});
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case cases[] = {
      {"w", "w"},
      {"w[:, :, :]", "w"},
      {"w[0:300]", "w"},
      {" w [ 5 , 2:7 ] ", "w[5, 2:7]"},
      {"w[-1]", "w[299]"},
      {"w[::3, :, 8]", "w[0:300:3, :, 8]"},
      {"w[10:20:1, 0:7:2]", "w[10:20, 0:7:2]"},
      {"w[0:400]", "w[0:400]"},  // out of bounds is the validator's business
      {"w[3:131:0, 2]", "w[3:131:0, 2]"},  // partition broadcast: 128 copies of row 3
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const View v = parse_view(p, c.text);
    EXPECT_EQ(view_to_string(p, v), c.canonical);
    EXPECT_EQ(parse_view(p, view_to_string(p, v)), v);
  }
  EXPECT_EQ(parse_view(p, "w[ 5 , 2:7 ]").dims[1], (Slice{2, 7, 1}));
  EXPECT_EQ(parse_view(p, "w[3:131:0]").dims[0].count(), 128);
}

std::string parse_error(const json& j) {
  try {
    program_from_json(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

json base_trace() { return json::parse(kHandWritten); }

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  std::vector<const char*> expected;  // substrings of the message
};

TEST(TraceJson, EveryBadInputClassIsNamed) {
  auto ins = [](int i) { return json::json_pointer("/instructions/" + std::to_string(i)); };
  const std::vector<BadCase> cases = {
      {"unknown top-level key",
       [](json& j) { j["instrs"] = json::array(); },
       {"trace", "unknown field 'instrs'"}},
      {"wrong format", [](json& j) { j["format"] = "other"; }, {"field 'format'", "other"}},
      {"unsupported version",
       [](json& j) { j["version"] = 2; },
       {"field 'version'", "unsupported version 2"}},
      {"version as string",
       [](json& j) { j["version"] = "1"; },
       {"field 'version'", "expected an integer"}},
      {"missing instructions",
       [](json& j) { j.erase("instructions"); },
       {"field 'instructions'", "missing"}},
      {"tensors not an array",
       [](json& j) { j["tensors"] = json::object(); },
       {"field 'tensors'", "expected an array"}},
      {"unknown tensor key",
       [](json& j) { j["tensors"][0]["shap"] = 1; },
       {"tensor 'x'", "unknown field 'shap'"}},
      {"tensor without name",
       [](json& j) { j["tensors"][1].erase("name"); },
       {"tensor 1", "field 'name'", "missing"}},
      {"unknown dtype",
       [](json& j) { j["tensors"][1]["dtype"] = "float33"; },
       {"tensor 'y'", "field 'dtype'", "unknown dtype 'float33'"}},
      {"unknown role",
       [](json& j) { j["tensors"][1]["role"] = "weights"; },
       {"tensor 'y'", "field 'role'", "unknown role 'weights'"}},
      {"bad tile shape",
       [](json& j) {
         j["tiles"][0]["shape"] = {4, 0};
       },
       {"tile 'xt'", "field 'shape'", "not positive"}},
      {"tile shape of floats",
       [](json& j) { j["tiles"][0]["shape"] = {4.5}; },
       {"tile 'xt'", "field 'shape'", "expected an integer"}},
      {"unknown memory",
       [](json& j) { j["tiles"][0]["memory"] = "hbm"; },
       {"tile 'xt'", "field 'memory'", "unknown on-chip memory 'hbm'"}},
      {"unknown tile key",
       [](json& j) { j["tiles"][2]["addr"] = 0; },
       {"tile 'col'", "unknown field 'addr'"}},
      {"negative address",
       [](json& j) { j["tiles"][1]["address"] = -64; },
       {"tile 'acc'", "field 'address'", "negative"}},
      {"zero partitions",
       [](json& j) { j["tiles"][1]["partitions"] = 0; },
       {"tile 'acc'", "field 'partitions'", "not positive"}},
      {"duplicate buffer name",
       [](json& j) { j["tiles"][2]["name"] = "x"; },
       {"tile 'x'", "duplicate buffer name"}},
      {"bad buffer name",
       [](json& j) { j["tiles"][2]["name"] = "a[0]"; },
       {"tile 'a[0]'", "field 'name'"}},
      {"unknown opcode",
       [&](json& j) { j[ins(2)]["op"] = "multiply"; },
       {"instruction 2", "field 'op'", "unknown opcode 'multiply'", "operator in 'alu_op'"}},
      {"unknown instruction key",
       [&](json& j) { j[ins(1)]["bogus"] = 1; },
       {"instruction 1 (activation)", "unknown field 'bogus'", "reduce_dst"}},
      {"attribute spelled as reserved key",
       [&](json& j) {
         j[ins(2)]["op"] = "tensor_tensor";
         j[ins(2)].erase("alu_op");
       },
       {"instruction 2 (tensor_tensor)", "field 'alu_op'", "missing"}},
      {"missing required operand",
       [&](json& j) { j[ins(1)].erase("src"); },
       {"instruction 1 (activation)", "field 'src'", "missing"}},
      {"unknown buffer in view",
       [&](json& j) { j[ins(1)]["bias"] = "w3[0:64]"; },
       {"instruction 1 (activation)", "field 'bias'", "unknown buffer 'w3'"}},
      {"label is named",
       [&](json& j) { j[ins(0)]["src"] = "nope"; },
       {"instruction 0 (dma_copy) 'load x'", "field 'src'", "unknown buffer 'nope'"}},
      {"too many slices",
       [&](json& j) { j[ins(0)]["src"] = "x[0:128, 0:4, 1]"; },
       {"instruction 0", "field 'src'", "3 slices for a 2-D buffer 'x'"}},
      {"negative step",
       [&](json& j) { j[ins(0)]["src"] = "x[:, 8:0:-1]"; },
       {"instruction 0", "field 'src'", "step -1 of dim 1 must be positive", "or 0, a broadcast"}},
      {"non-integer bound",
       [&](json& j) { j[ins(0)]["src"] = "x[0:1.5]"; },
       {"field 'src'", "'1.5' is not an integer"}},
      {"unclosed bracket",
       [&](json& j) { j[ins(0)]["src"] = "x[0:4"; },
       {"field 'src'", "missing closing ']'"}},
      {"empty slice",
       [&](json& j) { j[ins(0)]["src"] = "x[0:4,]"; },
       {"field 'src'", "empty slice for dim 1"}},
      {"too many colons",
       [&](json& j) { j[ins(0)]["src"] = "x[0:4:1:1]"; },
       {"field 'src'", "more than two ':'"}},
      {"negative index before start",
       [&](json& j) { j[ins(0)]["src"] = "x[-129]"; },
       {"field 'src'", "before the start of dim 0"}},
      {"view operand as number",
       [&](json& j) { j[ins(1)]["dst"] = 3; },
       {"instruction 1 (activation)", "field 'dst'", "expected a view string, got number"}},
      {"immediate of wrong type",
       [&](json& j) { j[ins(1)]["scale"] = true; },
       {"field 'scale'", "expected a view string or a number, got boolean"}},
      {"required operand null",
       [&](json& j) { j[ins(1)]["src"] = nullptr; },
       {"field 'src'", "required operand is null"}},
      {"engine not allowed",
       [&](json& j) { j[ins(1)]["engine"] = "tensor"; },
       {"instruction 1 (activation)", "field 'engine'", "cannot run on the tensor engine"}},
      {"unknown engine",
       [&](json& j) { j[ins(1)]["engine"] = "npu"; },
       {"field 'engine'", "unknown engine 'npu'"}},
      {"unknown alu",
       [&](json& j) { j[ins(2)]["alu_op"] = "mul"; },
       {"instruction 2 (tensor_tensor)", "field 'alu_op'", "unknown ALU operator 'mul'"}},
      {"unknown act",
       [&](json& j) { j[ins(1)]["func"] = "swish"; },
       {"field 'func'", "unknown activation function 'swish'"}},
      {"missing required attribute",
       [&](json& j) { j[ins(1)].erase("func"); },
       {"instruction 1 (activation)", "field 'func'", "missing"}},
      {"int attribute as float",
       [&](json& j) { j[ins(0)]["queue"] = 1.5; },
       {"instruction 0 (dma_copy)", "field 'queue'", "expected an integer"}},
      {"bool attribute as int",
       [&](json& j) { j[ins(3)]["reverse0"] = 1; },
       {"instruction 3 (tensor_scalar)", "field 'reverse0'", "expected true or false"}},
      {"ints attribute as int",
       [&](json& j) { j[ins(4)]["axis"] = 2; },
       {"instruction 4 (tensor_reduce)", "field 'axis'", "expected an array of integers"}},
      {"float attribute as string",
       [&](json& j) {
         j[ins(1)]["op"] = "memset";
         j[ins(1)] = {{"op", "memset"}, {"dst", "xt"}, {"value", "one"}};
       },
       {"instruction 1 (memset)", "field 'value'", "expected a number"}},
      {"instruction not an object",
       [&](json& j) { j["instructions"][3] = "dma_copy"; },
       {"instruction 3", "expected an object"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    json j = base_trace();
    c.mutate(j);
    const std::string msg = parse_error(j);
    ASSERT_FALSE(msg.empty()) << "no error";
    for (const char* s : c.expected)
      EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  }
}

TEST(TraceJson, SchemaListsEveryInstructionFromTheTable) {
  const std::string s = trace_schema_text();
  for (int op = 0; op < kNumOpcodes; ++op) {
    const InstrInfo& in = info(Opcode(op));
    EXPECT_NE(s.find("\n" + std::string(in.name) + "\n"), std::string::npos) << in.name;
    EXPECT_NE(s.find(std::string(in.summary)), std::string::npos) << in.name;
  }
  EXPECT_NE(s.find("scale  (view|number, read)  optional, default 1"), std::string::npos);
  EXPECT_NE(s.find("alu_op  alu  required"), std::string::npos);
  EXPECT_NE(s.find("accumulate  bool  default false"), std::string::npos);
  EXPECT_NE(s.find("engines: tensor* vector"), std::string::npos);
  EXPECT_NE(s.find("float8_e4m3"), std::string::npos);
  EXPECT_NE(s.find("gelu_apprx_tanh"), std::string::npos);
}

TEST(TraceJson, NoInstructionKeyCollides) {
  // Operand roles and attribute keys of an instruction are distinct and never reserved keys.
  for (int op = 0; op < kNumOpcodes; ++op) {
    const InstrInfo& in = info(Opcode(op));
    std::set<std::string> keys{"op", "engine", "label", "comment"};
    for (const OperandSpec& s : in.operands) EXPECT_TRUE(keys.insert(s.role).second) << in.name;
    for (const AttrSpec& s : in.attrs) {
      const std::string key = s.name == "op" ? "alu_op" : s.name;
      EXPECT_TRUE(keys.insert(key).second) << in.name << " " << key;
    }
  }
}

}  // namespace
}  // namespace trnsim::isa
