// Runtime addressing (tensor_copy_dynamic_src / _dst, nc_n_gather): values against references
// computed here in double, bit-exact same-dtype copies, out-of-range runtime indices as errors
// naming the instruction, and the validator's static checks of bounds, windows and indices.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "isa/validate.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::mat;
using core_testing::random_matrix;
using core_testing::set_num;
using core_testing::slice;
using core_testing::view_op;

Instruction dynamic_copy(Opcode op, const View& dst, const View& src, const View& offset,
                         int dim, int64_t window) {
  Instruction ins = make_instruction(op);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("offset") = view_op(offset);
  set_num(ins, "dim", dim);
  set_num(ins, "window", window);
  return ins;
}

Instruction two_operand_dyn(Opcode op, const View& dst, const View& src) {
  Instruction ins = make_instruction(op);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  return ins;
}

std::string error_of(const Instruction& ins, MachineState& st) {
  try {
    execute(ins, st);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DynamicCopySemantics, SourceWindowAtTheRuntimeOffsetOfAStridedRange) {
  // src tile [4, 3, 20] bf16; bounding range dims[2] = 1:20:2 (10 indices); window of 4 at
  // runtime offset 3 reads free indices 1 + 2*(3..6) = 7, 9, 11, 13 of every row.
  constexpr int64_t P = 4, A = 3, B = 20;
  CoreBench b;
  View src = b.sbuf("src", P, {A, B}, DType::kBf16);
  View dst = b.sbuf("dst", P, {A, 4});
  View off = b.sbuf("off", 1, {1}, DType::kInt32);
  const Matrix x = random_matrix(P, A * B, 7, -4.0f, 4.0f);
  b.fill(src, x);
  b.fill(off, mat(1, 1, {3}));
  const View bound = slice(src, {{0, P, 1}, {0, A, 1}, {1, B, 2}});
  execute(dynamic_copy(Opcode::tensor_copy_dynamic_src, dst, bound, off, 2, 4), b.state());
  const Matrix xs = b.get(src);  // x rounded to bf16, as stored
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t a = 0; a < A; ++a)
      for (int64_t j = 0; j < 4; ++j) {
        const double want = xs(p, a * B + 1 + 2 * (3 + j));
        EXPECT_EQ(double(r(p, a * 4 + j)), want) << p << " " << a << " " << j;
      }
}

TEST(DynamicCopySemantics, SameDtypeCopiesStorageBitsExactly) {
  CoreBench b;
  View src = b.sbuf("src", 2, {8}, DType::kInt32);
  View dst = b.sbuf("dst", 2, {2}, DType::kInt32);
  View off = b.sbuf("off", 1, {1}, DType::kUint32);
  b.fill(off, mat(1, 1, {6}));
  std::vector<uint32_t> bits(16);
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = 0x01000001u + uint32_t(i);  // > 2^24
  b.state().write_bits(src, bits);
  execute(dynamic_copy(Opcode::tensor_copy_dynamic_src, dst, src, off, 1, 2), b.state());
  const std::vector<uint32_t> out = b.state().read_bits(dst);
  EXPECT_EQ(out, (std::vector<uint32_t>{bits[6], bits[7], bits[14], bits[15]}));
}

TEST(DynamicCopySemantics, DestinationWindowIsWrittenAndTheRestKept) {
  constexpr int64_t P = 3, N = 10, W = 4;
  CoreBench b;
  View src = b.sbuf("src", P, {W});
  View dst = b.sbuf("dst", P, {N});
  View off = b.sbuf("off", 1, {1}, DType::kInt32);
  const Matrix x = random_matrix(P, W, 3, -1.0f, 1.0f);
  Matrix before(P, N);
  before.setConstant(-7.0f);
  b.fill(src, x);
  b.fill(dst, before);
  b.fill(off, mat(1, 1, {N - W}));  // the last window that fits
  execute(dynamic_copy(Opcode::tensor_copy_dynamic_dst, dst, src, off, 1, W), b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) {
      const double want = f >= N - W ? double(x(p, f - (N - W))) : -7.0;
      EXPECT_EQ(double(r(p, f)), want) << p << " " << f;
    }
}

TEST(DynamicCopySemantics, OffsetOutsideTheBoundingRangeIsARunTimeError) {
  CoreBench b;
  View src = b.sbuf("src", 2, {10});
  View dst = b.sbuf("dst", 2, {4});
  View off = b.sbuf("off", 1, {1}, DType::kInt32);
  b.fill(off, mat(1, 1, {7}));  // 7 + 4 > 10
  const Instruction ins = dynamic_copy(Opcode::tensor_copy_dynamic_src, dst, src, off, 1, 4);
  std::string msg = error_of(ins, b.state());
  for (const char* s : {"tensor_copy_dynamic_src", "runtime offset 7", "[0, 6]", "10 indices"})
    EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  b.fill(off, mat(1, 1, {-1}));
  msg = error_of(dynamic_copy(Opcode::tensor_copy_dynamic_dst, src, dst, off, 1, 4), b.state());
  EXPECT_NE(msg.find("runtime offset -1"), std::string::npos) << msg;
}

TEST(NGatherSemantics, MatchesAFloat64ReferenceOverFlattenedFreeDims) {
  constexpr int64_t P = 16, A = 4, B = 25, J = 37;
  CoreBench b;
  View data = b.sbuf("data", P, {A, B});
  View idx = b.sbuf("idx", P, {J}, DType::kUint32);
  View dst = b.sbuf("dst", P, {J});
  const Matrix x = random_matrix(P, A * B, 11, -3.0f, 3.0f);
  std::mt19937 gen(5);
  std::uniform_int_distribution<int> pick(0, A * B - 1);
  Matrix ix(P, J);
  for (int64_t i = 0; i < P * J; ++i) ix(i / J, i % J) = float(pick(gen));
  b.fill(data, x);
  b.fill(idx, ix);
  Instruction ins = make_instruction(Opcode::nc_n_gather);
  ins.operand("dst") = view_op(dst);
  ins.operand("data") = view_op(data);
  ins.operand("indices") = view_op(idx);
  execute(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t j = 0; j < J; ++j)
      EXPECT_EQ(double(r(p, j)), double(x(p, int64_t(ix(p, j))))) << p << " " << j;
}

TEST(NGatherSemantics, IndexOutOfRangeIsARunTimeError) {
  CoreBench b;
  View data = b.sbuf("data", 2, {6});
  View idx = b.sbuf("idx", 2, {3}, DType::kInt32);
  View dst = b.sbuf("dst", 2, {3});
  b.fill(idx, mat(2, 3, {0, 1, 2, 3, 6, 5}));
  Instruction ins = make_instruction(Opcode::nc_n_gather);
  ins.operand("dst") = view_op(dst);
  ins.operand("data") = view_op(data);
  ins.operand("indices") = view_op(idx);
  const std::string msg = error_of(ins, b.state());
  for (const char* s : {"nc_n_gather", "indices[1, 1] = 6", "6 elements per partition"})
    EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
}

TEST(NonzeroWithCountSemantics, FirstPartitionOfEachCoreOnly) {
  constexpr int64_t P = 48, T = 12;
  CoreBench b;
  View src = b.sbuf("src", P, {T});
  View dst = b.sbuf("dst", P, {T + 1}, DType::kInt32);
  Matrix x = Matrix::Zero(P, T);
  std::mt19937 gen(9);
  std::bernoulli_distribution nonzero(0.4);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < T; ++f) x(p, f) = nonzero(gen) ? float(f % 5) - 2.5f : 0.0f;
  x.row(16).setZero();  // a core whose partition has no nonzero element
  b.fill(src, x);
  b.fill(dst, Matrix::Constant(P, T + 1, 77.0f));
  Instruction ins = two_operand_dyn(Opcode::nonzero_with_count, dst, src);
  set_num(ins, "index_offset", 100);
  set_num(ins, "padding_val", -1);
  execute(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p) {
    if (p % 16 != 0) {
      for (int64_t f = 0; f <= T; ++f) EXPECT_EQ(r(p, f), 77.0f) << p << " " << f;
      continue;
    }
    std::vector<double> want;
    for (int64_t f = 0; f < T; ++f)
      if (x(p, f) != 0.0f) want.push_back(100.0 + double(f));
    const size_t n = want.size();
    while (want.size() < size_t(T)) want.push_back(-1.0);
    want.push_back(double(n));
    for (int64_t f = 0; f <= T; ++f) EXPECT_EQ(double(r(p, f)), want[size_t(f)]) << p << " " << f;
  }
  EXPECT_EQ(r(16, T), 0.0f);
}

Instruction indirect(Opcode op, const View& dst, const View& src, const View& indices) {
  Instruction ins = make_instruction(op);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("indices") = view_op(indices);
  return ins;
}

TEST(IndirectDmaSemantics, GatherRowsOfAnHbmTensorSkippingOutOfRangeRows) {
  constexpr int64_t R = 10, P = 6, F = 5;
  CoreBench b;
  View table = b.hbm("table", {R, F});
  View dst = b.sbuf("dst", P, {F});
  View idx = b.sbuf("idx", P, {1}, DType::kInt32);
  const Matrix x = random_matrix(R, F, 21, -2.0f, 2.0f);
  b.fill(table, x);
  b.fill(dst, Matrix::Constant(P, F, -9.0f));
  const std::vector<float> rows = {9, 0, 10, 4, 4, -1};  // 10 and -1 are out of range
  b.fill(idx, mat(P, 1, rows));
  Instruction ins = indirect(Opcode::dma_copy_indirect_src, dst, table, idx);
  EXPECT_NE(error_of(ins, b.state()).find("indices[2] = 10 is out of range: src has 10 rows"),
            std::string::npos);
  set_num(ins, "oob_skip", 1);
  execute(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < F; ++f) {
      const int64_t k = int64_t(rows[size_t(p)]);
      const double want = k >= 0 && k < R ? double(x(k, f)) : -9.0;
      EXPECT_EQ(double(r(p, f)), want) << p << " " << f;
    }
}

TEST(IndirectDmaSemantics, ScatterAccumulateAddsRepeatedRows) {
  constexpr int64_t R = 7, P = 32, F = 9;
  CoreBench b;
  View out = b.hbm("out", {R, F});
  View src = b.sbuf("src", P, {F});
  View idx = b.sbuf("idx", P, {1}, DType::kUint32);
  const Matrix base = random_matrix(R, F, 4, -1.0f, 1.0f);
  const Matrix v = random_matrix(P, F, 5, -1.0f, 1.0f);
  std::vector<float> rows(P);
  for (int64_t p = 0; p < P; ++p) rows[size_t(p)] = float((p * 5) % R);
  b.fill(out, base);
  b.fill(src, v);
  b.fill(idx, mat(P, 1, rows));
  Instruction ins = indirect(Opcode::dma_copy_indirect_dst, out, src, idx);
  set_num(ins, "accumulate", 1);
  execute(ins, b.state());
  std::vector<double> want(size_t(R * F));
  for (int64_t k = 0; k < R * F; ++k) want[size_t(k)] = base(k / F, k % F);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < F; ++f) want[size_t(int64_t(rows[size_t(p)]) * F + f)] += v(p, f);
  const Matrix r = b.get(out);
  for (int64_t k = 0; k < R * F; ++k)  // fp32 accumulation of <= 5 terms of magnitude <= 1
    EXPECT_NEAR(double(r(k / F, k % F)), want[size_t(k)], 1e-5) << k;
}

TEST(IndirectDmaSemantics, ScatterWithoutAccumulateKeepsTheLastRowWritten) {
  CoreBench b;
  View out = b.hbm("out", {3, 2});
  View src = b.sbuf("src", 3, {2});
  View idx = b.sbuf("idx", 3, {1}, DType::kInt32);
  b.fill(out, Matrix::Zero(3, 2));
  b.fill(src, mat(3, 2, {1, 2, 3, 4, 5, 6}));
  b.fill(idx, mat(3, 1, {2, 0, 2}));
  execute(indirect(Opcode::dma_copy_indirect_dst, out, src, idx), b.state());
  const Matrix r = b.get(out);
  EXPECT_EQ(r(0, 0), 3.0f);
  EXPECT_EQ(r(1, 1), 0.0f);
  EXPECT_EQ(r(2, 0), 5.0f);
  EXPECT_EQ(r(2, 1), 6.0f);
}

TEST(DynamicDmaSemantics, RowWindowOfAnHbmTensorAtARuntimeOffset) {
  CoreBench b;
  View table = b.hbm("table", {20, 6}, DType::kInt32);
  View dst = b.sbuf("dst", 4, {6}, DType::kInt32);
  View off = b.sbuf("off", 1, {1}, DType::kInt32);
  std::vector<uint32_t> bits(120);
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = 0x7f000000u + uint32_t(i);
  b.state().write_bits(table, bits);
  b.fill(off, mat(1, 1, {13}));
  execute(dynamic_copy(Opcode::dma_copy_dynamic_src, dst, table, off, 0, 4), b.state());
  const std::vector<uint32_t> got = b.state().read_bits(dst);
  EXPECT_EQ(got, std::vector<uint32_t>(bits.begin() + 13 * 6, bits.begin() + 17 * 6));
}

// ---- static checks ----
nlohmann::json trace_with(const nlohmann::json& instruction) {
  auto tile = [](const char* name, int p, std::vector<int> shape, const char* dtype) {
    return nlohmann::json{{"name", name}, {"memory", "sbuf"}, {"partitions", p},
                          {"shape", shape}, {"dtype", dtype}};
  };
  nlohmann::json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "dyn"}};
  j["tensors"] = {{{"name", "rows"}, {"shape", {1000, 16}}, {"dtype", "float32"},
                   {"role", "input"}}};
  j["tiles"] = {tile("big", 128, {4, 64}, "float32"), tile("win", 128, {4, 8}, "float32"),
                tile("off", 1, {1}, "int32"),         tile("offf", 1, {1}, "float32"),
                tile("idx", 128, {16}, "uint32"),     tile("out", 128, {16}, "float32"),
                tile("outb", 128, {16}, "bfloat16")};
  j["instructions"] = nlohmann::json::array({instruction});  // clang: {x} copies x
  return j;
}

std::string validate_error(const std::string& instruction) {
  Program p = program_from_json(trace_with(nlohmann::json::parse(instruction)));
  CoreLimits l;
  l.partitions = 128;
  l.sbuf_partition_bytes = 192 * 1024;
  l.psum_partition_bytes = 16 * 1024;
  l.dma_queues = 16;
  try {
    validate(p, l);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DynamicAddressingValidate, WellFormedInstructionsPass) {
  EXPECT_EQ(validate_error(R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big",
                              "offset": "off", "dim": 2, "window": 8})"), "");
  EXPECT_EQ(validate_error(R"({"op": "tensor_copy_dynamic_dst", "dst": "big[:, :, 0:64:4]",
                              "src": "win", "offset": "off", "dim": 2, "window": 8,
                              "engine": "gpsimd"})"), "");
  EXPECT_EQ(validate_error(R"({"op": "nc_n_gather", "dst": "out", "data": "big",
                              "indices": "idx"})"), "");
  EXPECT_EQ(validate_error(R"({"op": "nonzero_with_count", "dst": "idx[:, 0:9]",
                              "src": "win[:, 0, :]"})"), "");
  EXPECT_EQ(validate_error(R"({"op": "dma_copy_dynamic_src", "dst": "win[:, 0:2, :]",
                              "src": "rows", "offset": "off", "dim": 0, "window": 128})"), "");
  EXPECT_EQ(validate_error(R"({"op": "dma_copy_indirect_src", "dst": "out",
                              "src": "rows", "indices": "idx[:, 0:1]"})"), "");
}

TEST(DynamicAddressingValidate, BadBoundsWindowsAndIndicesAreNamed) {
  struct Case {
    const char* instruction;
    std::vector<const char*> words;
  };
  const std::vector<Case> cases = {
      {R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big", "offset": "off",
           "dim": 0, "window": 8})", {"attribute 'dim'", "not a free dim", "1..2"}},
      {R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big", "offset": "off",
           "dim": 2, "window": 65})", {"attribute 'window'", "64 indices"}},
      {R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big", "offset": "off",
           "dim": 2, "window": 9})", {"dst", "must match"}},
      {R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big", "offset": "offf",
           "dim": 2, "window": 8})", {"offset", "float32", "int32 or uint32"}},
      {R"({"op": "tensor_copy_dynamic_dst", "dst": "big", "src": "win", "offset": "idx",
           "dim": 2, "window": 8})", {"offset", "one runtime offset"}},
      {R"({"op": "tensor_copy_dynamic_src", "dst": "win", "src": "big[:, :, 0:8:0]",
           "offset": "off", "dim": 2, "window": 8})", {"broadcast"}},
      {R"({"op": "nc_n_gather", "dst": "outb", "data": "big", "indices": "idx"})",
       {"outb", "bfloat16", "data's dtype float32"}},
      {R"({"op": "nc_n_gather", "dst": "out", "data": "big", "indices": "out"})",
       {"indices", "int32 or uint32"}},
      {R"({"op": "nc_n_gather", "dst": "out[0:64, :]", "data": "big", "indices": "idx"})",
       {"dst", "16 elements"}},
      {R"({"op": "dma_copy_indirect_dst", "dst": "rows", "src": "out", "indices": "idx"})",
       {"indices", "one row index per partition of src [P, 1]"}},
      {R"({"op": "dma_copy_indirect_src", "dst": "win", "src": "rows",
           "indices": "idx[:, 0:1]"})", {"a row of", "16", "(they must match)"}},
      {R"({"op": "dma_copy_dynamic_dst", "dst": "big", "src": "win", "offset": "off",
           "dim": 2, "window": 8, "queue": 99})", {"attribute 'queue'", "99"}},
      {R"({"op": "nonzero_with_count", "dst": "idx[:, 0:8]", "src": "win[:, 0, :]"})",
       {"dst", "[P, T + 1]", "9 elements"}},
  };
  for (const Case& c : cases) {
    const std::string msg = validate_error(c.instruction);
    EXPECT_NE(msg.find("instruction 0"), std::string::npos) << c.instruction << ": " << msg;
    for (const char* w : c.words)
      EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' not in: " << msg;
  }
}

}  // namespace
}  // namespace trnsim::isa
