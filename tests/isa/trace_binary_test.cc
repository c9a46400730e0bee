// The binary trace codec (isa/TRACE_BINARY.md): every checked-in trace and a program using
// every slot kind round trip exactly (binary -> program -> JSON text equal), labels are
// interned, a hand-built file decodes as the spec says, and bad files (every truncation, seeded
// byte flips, each class of bad field) get a trnsim::Error naming the file, byte and field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_json.h"
#include "tests/temp_dir.h"

namespace trnsim::isa {
namespace {

std::vector<std::string> checked_in_traces() {
  std::vector<std::string> out;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(std::string(TRNSIM_SOURCE_DIR) + "/traces"))
    if (e.is_regular_file() && e.path().extension() == ".json" &&
        e.path().string().find("/golden/") == std::string::npos)
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A program with every kind of slot: views, immediates (NaN, -0.0), -inf, an optional operand left
// absent where the table has a default, ints, alu, act and bool attributes, a fixed address,
// a non-default engine and a label repeated on every instruction.
Program every_slot_program() {
  Program p;
  p.name = "every_slot";
  p.dma_issue = DmaIssue::kPrefetch;
  p.tensors.push_back({"x", {128, 64}, DType::kBf16, TensorRole::kInput});
  p.tensors.push_back({"y", {128, 64}, DType::kFp32, TensorRole::kOutput});
  Tile t;
  t.name = "t";
  t.free_shape = {64};
  t.dtype = DType::kFp32;
  t.fixed_address = 4096;
  p.tiles.push_back(t);
  Tile col = t;
  col.name = "col";
  col.free_shape = {1};
  col.fixed_address.reset();
  p.tiles.push_back(col);
  const BufferRef x{Memory::kHbm, 0}, y{Memory::kHbm, 1}, tt{Memory::kSbuf, 0},
      c{Memory::kSbuf, 1};

  Instruction load = make_instruction(Opcode::dma_copy);
  load.operand("dst") = {Operand::Kind::kView, p.whole(tt), 0};
  View src = p.whole(x);
  src.dims[1] = Slice{0, 64, 0};  // a broadcast
  load.operand("src") = {Operand::Kind::kView, src, 0};
  load.attr("queue").num = 3;
  load.label = "same label";
  p.instructions.push_back(load);

  Instruction act = make_instruction(Opcode::activation);
  View half = p.whole(tt);
  half.dims[0] = Slice{0, 64, 1};
  half.dims[1] = Slice{1, 64, 2};
  act.operand("dst") = {Operand::Kind::kView, half, 0};
  act.operand("src") = {Operand::Kind::kView, half, 0};
  act.operand("scale") = {};  // absent although the table default is 1
  act.attr("func") = {true, 3, {}};
  act.label = "same label";
  p.instructions.push_back(act);

  Instruction ts = make_instruction(Opcode::tensor_scalar);
  ts.engine = Engine::kGpsimd;
  ts.operand("dst") = {Operand::Kind::kView, p.whole(c), 0};
  ts.operand("src") = {Operand::Kind::kView, p.whole(c), 0};
  ts.operand("operand0") = {Operand::Kind::kImm, View{}, std::numeric_limits<double>::quiet_NaN()};
  ts.operand("operand1") = {Operand::Kind::kImm, View{}, -0.0};
  ts.attr("op0") = {true, double(AluOp::kMultiply), {}};
  ts.attr("reverse1") = {true, 1, {}};
  ts.label = "same label";
  p.instructions.push_back(ts);

  Instruction red = make_instruction(Opcode::tensor_reduce);
  red.operand("dst") = {Operand::Kind::kView, p.whole(c), 0};
  red.operand("src") = {Operand::Kind::kView, p.whole(tt), 0};
  red.attr("alu_op") = {true, double(AluOp::kMax), {}};
  red.attr("axis") = {true, 0, {1, -2, int64_t(1) << 40}};
  red.label = "same label";
  p.instructions.push_back(red);

  Instruction fill = make_instruction(Opcode::memset);
  fill.operand("dst") = {Operand::Kind::kView, p.whole(c), 0};
  fill.attr("value") = {true, -std::numeric_limits<double>::infinity(), {}};
  fill.label = "same label";
  p.instructions.push_back(fill);

  Instruction store = make_instruction(Opcode::dma_copy);
  store.operand("dst") = {Operand::Kind::kView, p.whole(y), 0};
  store.operand("src") = {Operand::Kind::kView, p.whole(tt), 0};
  store.label = "same label";
  p.instructions.push_back(store);
  return p;
}

// Field for field: the canonical JSON text of both (it writes every field and every number
// exactly) and the slot contents trace_to_text cannot show (NaN payload aside).
void expect_same_program(const Program& a, const Program& b) {
  EXPECT_EQ(trace_to_text(a), trace_to_text(b));
  ASSERT_EQ(a.instructions.size(), b.instructions.size());
  for (size_t i = 0; i < a.instructions.size(); ++i) {
    const Instruction& x = a.instructions[i];
    const Instruction& y = b.instructions[i];
    ASSERT_EQ(x.operands.size(), y.operands.size());
    for (size_t s = 0; s < x.operands.size(); ++s) {
      EXPECT_EQ(x.operands[s].kind, y.operands[s].kind) << "instruction " << i << " slot " << s;
      EXPECT_TRUE(x.operands[s].view == y.operands[s].view);
      EXPECT_EQ(std::signbit(x.operands[s].imm), std::signbit(y.operands[s].imm));
      EXPECT_EQ(std::isnan(x.operands[s].imm), std::isnan(y.operands[s].imm));
      if (!std::isnan(x.operands[s].imm)) {
        EXPECT_EQ(x.operands[s].imm, y.operands[s].imm);
      }
    }
    ASSERT_EQ(x.attrs.size(), y.attrs.size());
    for (size_t s = 0; s < x.attrs.size(); ++s) {
      EXPECT_EQ(x.attrs[s].present, y.attrs[s].present);
      EXPECT_EQ(x.attrs[s].num, y.attrs[s].num);
      EXPECT_EQ(x.attrs[s].ints, y.attrs[s].ints);
    }
    EXPECT_EQ(x.engine, y.engine);
    EXPECT_EQ(x.label, y.label);
  }
}

TEST(TraceBinary, EveryCheckedInTraceRoundTrips) {
  const std::vector<std::string> traces = checked_in_traces();
  ASSERT_GE(traces.size(), 4u);
  for (const std::string& path : traces) {
    SCOPED_TRACE(path);
    const Program p = read_trace_file(path);
    const std::string bytes = program_to_binary(p);
    EXPECT_TRUE(is_binary_trace(bytes));
    const Program q = program_from_binary(bytes, path);
    expect_same_program(p, q);
    EXPECT_EQ(program_to_binary(q), bytes);  // stable: equal programs give equal bytes
  }
}

TEST(TraceBinary, EverySlotKindRoundTrips) {
  const Program p = every_slot_program();
  const Program q = program_from_binary(program_to_binary(p), "mem");
  expect_same_program(p, q);
  EXPECT_EQ(q.dma_issue, DmaIssue::kPrefetch);
  EXPECT_EQ(q.tiles[0].fixed_address, 4096);
  EXPECT_FALSE(q.tiles[1].fixed_address.has_value());
  EXPECT_FALSE(q.instructions[1].operand("scale").present());
  EXPECT_TRUE(std::isnan(q.instructions[2].operand("operand0").imm));
  EXPECT_TRUE(std::signbit(q.instructions[2].operand("operand1").imm));
  EXPECT_EQ(q.instructions[4].attr("value").num, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(q.instructions[2].engine, Engine::kGpsimd);
  EXPECT_EQ(q.instructions[3].attr("axis").ints, (std::vector<int64_t>{1, -2, int64_t(1) << 40}));
  EXPECT_EQ(q.instructions[0].operand("src").view.dims[1].step, 0);
}

size_t occurrences(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(TraceBinary, LabelsAndNamesAreStoredOnce) {
  const std::string bytes = program_to_binary(every_slot_program());
  EXPECT_EQ(occurrences(bytes, "same label"), 1u);
  EXPECT_EQ(occurrences(bytes, "dma_copy"), 1u);
}

TEST(TraceBinary, IsSmallerThanJson) {
  const Program p = read_trace_file(std::string(TRNSIM_SOURCE_DIR) +
                                    "/traces/matmul_256x384x512_bf16.json");
  EXPECT_LT(program_to_binary(p).size() * 2, trace_to_text(p).size());
}

// Builds files by hand, as isa/TRACE_BINARY.md lays them out.
struct Bytes {
  std::string b;
  Bytes& u8(uint8_t v) { return b.push_back(char(v)), *this; }
  Bytes& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(uint8_t(v >> (8 * i)));
    return *this;
  }
  Bytes& uvar(uint64_t v) {
    for (; v >= 0x80; v >>= 7) u8(uint8_t(v) | 0x80);
    return u8(uint8_t(v));
  }
  Bytes& svar(int64_t v) { return uvar((uint64_t(v) << 1) ^ uint64_t(v >> 63)); }
  Bytes& text(std::string_view s) { return uvar(s.size()), b.append(s), *this; }
};

// Strings: 0 "", 1 "k", 2 "program_order", 3 "x", 4 "float32", 5 "input", 6 "t", 7 "sbuf",
// 8 "dma_copy", 9 "dst", 10 "src", 11 "queue", 12 "dma", 13 "load". Program: tensor x [128, 8],
// tile t [128 x 8], one dma_copy t <- x[:, 2:8:3] with queue -1.
struct HandFile {
  std::string tensor_name = "x", opcode = "dma_copy", src_role = "src", engine = "dma";
  std::string tensor_role = "input", tile_memory = "sbuf";
  uint32_t version = 1;
  uint64_t src_buffer = 0;
  int64_t src_start = 2;
  uint8_t dst_tag = 1, queue_tag = 3;
  uint64_t op_entry = 0;  // the instruction's opcode table entry
  bool list_src = true;
  std::string trailing;

  std::string bytes() const {
    Bytes f;
    f.b.assign("\x89TRNB\r\n\x1a", 8);
    f.u32(version).u32(0);
    const std::vector<std::string> strings{
        "",    "k", "program_order", tensor_name, "float32", tensor_role, "t",
        tile_memory, opcode, "dst",  src_role,    "queue",   engine,   "load"};
    f.uvar(strings.size());
    for (const std::string& s : strings) f.text(s);
    f.uvar(1).uvar(2);                                                    // name, dma_issue
    f.uvar(1).uvar(3).uvar(2).svar(128).svar(8).uvar(4).uvar(5);          // tensor x
    f.uvar(1).uvar(6).uvar(7).svar(128).uvar(1).svar(8).uvar(4).u8(0);    // tile t
    f.uvar(1).uvar(8).uvar(list_src ? 3 : 2).uvar(9);                     // opcode table
    if (list_src) f.uvar(10);
    f.uvar(11);
    f.uvar(1).uvar(op_entry).uvar(12).uvar(13);  // one dma_copy on dma, label "load"
    f.u8(dst_tag);
    if (dst_tag == 1) f.uvar(1).svar(0).svar(128).svar(1).svar(0).svar(8).svar(1);
    if (dst_tag == 8) f.uvar(1);  // the whole tile t
    if (list_src)
      f.u8(1).uvar(src_buffer).svar(0).svar(128).svar(1).svar(src_start).svar(8).svar(3);
    f.u8(queue_tag);
    if (queue_tag == 3) f.svar(-1);
    f.b += trailing;
    return f.b;
  }
};

TEST(TraceBinary, HandBuiltFileDecodesAsSpecified) {
  const Program p = program_from_binary(HandFile().bytes(), "k.trnb");
  EXPECT_EQ(p.name, "k");
  ASSERT_EQ(p.instructions.size(), 1u);
  const Instruction& ins = p.instructions[0];
  EXPECT_EQ(ins.op, Opcode::dma_copy);
  EXPECT_EQ(ins.label, "load");
  EXPECT_EQ(view_to_string(p, ins.operand("src").view), "x[:, 2:8:3]");
  EXPECT_EQ(view_to_string(p, ins.operand("dst").view), "t");
  EXPECT_EQ(ins.attr("queue").num, -1);
  HandFile whole;
  whole.dst_tag = 8;
  const Program w = program_from_binary(whole.bytes(), "k.trnb");
  EXPECT_TRUE(w.instructions[0].operand("dst").view == p.instructions[0].operand("dst").view);
}

// The error of decoding `bytes`, or "" if it decodes.
std::string error_of(const std::string& bytes) {
  try {
    program_from_binary(bytes, "k.trnb");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TraceBinary, BadFieldsNameFileByteAndField) {
  auto expect = [](const HandFile& f, const std::string& part) {
    const std::string e = error_of(f.bytes());
    EXPECT_NE(e.find("k.trnb: byte "), std::string::npos) << e;
    EXPECT_NE(e.find(part), std::string::npos) << e;
  };
  HandFile f;
  f.version = 2;
  expect(f, "header: field 'version': unsupported version 2");
  f = HandFile();
  f.tensor_name = "x[0]";
  expect(f, "tensor 0: field 'name': 'x[0]' contains one of");
  f = HandFile();
  f.tensor_name = "t";
  expect(f, "tile 0: field 'name': 't': duplicate buffer name");
  f = HandFile();  // once a buffer's name is read, errors name the buffer by it
  f.tensor_role = "weights";
  expect(f, "tensor 'x': field 'role': unknown role 'weights'");
  f = HandFile();
  f.tile_memory = "dram";
  expect(f, "tile 't': field 'memory': unknown on-chip memory 'dram' (sbuf or psum)");
  f = HandFile();
  f.opcode = "no_such_op";
  expect(f, "opcode table entry 0: field 'opcode': unknown opcode 'no_such_op'");
  f = HandFile();
  f.src_role = "source";
  expect(f, "opcode table entry 0 (dma_copy): field 'fields': unknown field 'source' (dma_copy "
            "has: dst, queue, src)");
  f = HandFile();
  f.list_src = false;
  expect(f, "opcode table entry 0 (dma_copy): field 'src': missing (required operand)");
  f = HandFile();
  f.op_entry = 5;  // before the opcode is known, the error names the instruction by number
  expect(f, "byte 115: instruction 0: field 'op': opcode 5 past the opcode table (1 entries)");
  f = HandFile();
  f.engine = "tensor";
  expect(f, "instruction 0 (dma_copy) 'load': field 'engine': dma_copy cannot run on the tensor");
  f = HandFile();
  f.src_buffer = 7;
  expect(f, "instruction 0 (dma_copy) 'load': field 'src': buffer 7 past the 2 tensors and tiles");
  f = HandFile();
  f.src_start = -1;
  expect(f, "field 'src': slice start -1 is negative");
  f = HandFile();
  f.dst_tag = 0;
  expect(f, "field 'dst': required operand is null");
  f = HandFile();
  f.dst_tag = 2;
  expect(f, "field 'dst': expected a view, got a number");
  f = HandFile();
  f.queue_tag = 4;
  expect(f, "field 'queue': expected an integer, got false");
  f = HandFile();
  f.trailing = "zz";
  expect(f, "end: field 'end': 2 bytes after the last instruction");
  EXPECT_EQ(error_of(HandFile().bytes()), "");  // control: the unmodified file decodes
}

TEST(TraceBinary, BadStringTableAndCounts) {
  std::string bad_utf8 = HandFile().bytes();
  const size_t at = bad_utf8.find("load");
  bad_utf8[at + 1] = char(0xC3);  // a lead byte followed by 'a': not UTF-8
  EXPECT_NE(error_of(bad_utf8).find("byte " + std::to_string(at + 1) + ": string table: field "
                                    "'string': string 13: invalid UTF-8"),
            std::string::npos)
      << error_of(bad_utf8);
  Bytes huge;
  huge.b.assign("\x89TRNB\r\n\x1a", 8);
  huge.u32(1).u32(0).uvar(uint64_t(1) << 62);
  EXPECT_NE(error_of(huge.b).find("byte 16: string table: field 'count': count 4611686018427387904 "
                                  "exceeds what the 0 bytes left can hold"),
            std::string::npos)
      << error_of(huge.b);
  EXPECT_NE(error_of("{\"format\": \"trnsim-trace\"}").find("byte 0: header: field 'magic'"),
            std::string::npos);
}

TEST(TraceBinary, EveryTruncationIsAnError) {
  const std::string bytes = program_to_binary(every_slot_program());
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string e = error_of(bytes.substr(0, n));
    EXPECT_NE(e.find("k.trnb: byte "), std::string::npos) << "prefix " << n << ": " << e;
  }
}

TEST(TraceBinary, FlippedBytesDecodeOrFailCleanly) {
  const std::string bytes = program_to_binary(every_slot_program());
  std::mt19937 rng(15);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string m = bytes;
    for (int k = 0; k < 3; ++k) m[rng() % m.size()] = char(rng());
    const std::string e = error_of(m);  // any exception other than trnsim::Error fails the test
    if (!e.empty()) {
      EXPECT_NE(e.find("k.trnb: byte "), std::string::npos) << e;
    }
  }
}

TEST(TraceBinary, FilesOfEitherFormatAreReadByTheirFirstBytes) {
  const trnsim::testing::TempDir dir;
  const Program p = every_slot_program();
  const std::string binary_named_json = dir / "binary.json", json_named_trnb = dir / "json.trnb";
  write_binary_trace_file(p, binary_named_json);
  write_trace_file(p, json_named_trnb);
  expect_same_program(p, read_any_trace_file(binary_named_json));
  expect_same_program(p, read_any_trace_file(json_named_trnb));
  write_trace_file_by_name(p, dir / "by_name.trnb");
  write_trace_file_by_name(p, dir / "by_name.json");
  std::ifstream b(dir / "by_name.trnb", std::ios::binary), j(dir / "by_name.json");
  std::string head(8, '\0');
  b.read(head.data(), 8);
  EXPECT_TRUE(is_binary_trace(head));
  EXPECT_EQ(j.get(), '{');
  std::string damaged = program_to_binary(p);  // a .trnb file whose magic lost a byte
  damaged[0] = char(0x8a);
  {
    std::ofstream out(dir / "damaged.trnb", std::ios::binary);
    out << damaged;
  }
  try {
    read_any_trace_file(dir / "damaged.trnb");
    ADD_FAILURE() << "no error for a damaged magic";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("damaged.trnb: not a binary trace: it does not start "
                                         "with the 8 bytes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("first bytes are '\\x8aTRNB\\x0d\\x0a\\x1a'"),
              std::string::npos) << e.what();
  }
  try {
    read_any_trace_file(dir / "missing.trnb");
    ADD_FAILURE() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.trnb: cannot open trace file"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace trnsim::isa
