// Semantics of iota, affine_select, tensor_tensor_scan and range_select:
// hand-computed values and float64 references computed here.
#include <gtest/gtest.h>

#include <cfloat>
#include <random>
#include <vector>

#include "isa/dtype.h"
#include "isa/error.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::imm_op;
using core_testing::mat;
using core_testing::set_alu;
using core_testing::set_ints;
using core_testing::set_num;
using core_testing::two_operand;
using core_testing::view_op;

TEST(IotaSemantics, ChannelMultiplierAndTwoFreeDims) {
  constexpr int64_t P = 4, A = 3, B = 5;
  CoreBench b;
  View dst = b.sbuf("dst", P, {A, B}, DType::kInt32);
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_op(dst);
  set_num(ins, "offset", 10);
  set_num(ins, "channel_multiplier", 100);
  set_ints(ins, "pattern", {5, -1});
  sem::iota(ins, b.state());
  const Matrix r = b.get(dst);
  EXPECT_EQ(r(0, 0), 10.0f);
  EXPECT_EQ(r(1, 0), 110.0f);
  EXPECT_EQ(r(3, 1 * B + 4), 10.0f + 300.0f + 5.0f - 4.0f);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t a = 0; a < A; ++a)
      for (int64_t c = 0; c < B; ++c)
        EXPECT_EQ(r(p, a * B + c), float(10 + 100 * p + 5 * a - c)) << p << " " << a << " " << c;
}

TEST(IotaSemantics, ViewOfPartitionsCountsFromViewStart) {
  CoreBench b;
  View tile = b.sbuf("dst", 8, {4});
  View part = tile;
  part.dims[0] = Slice{4, 8, 1};  // partitions 4..7 of the tile
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_op(part);
  set_num(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {10});
  sem::iota(ins, b.state());
  const Matrix r = b.get(tile);
  EXPECT_EQ(r(4, 0), 0.0f);
  EXPECT_EQ(r(7, 3), 33.0f);
}

TEST(IotaSemantics, RunsThroughExecuteDispatch) {
  CoreBench b;
  View dst = b.sbuf("dst", 2, {3});
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_op(dst);
  set_num(ins, "channel_multiplier", 3);
  set_ints(ins, "pattern", {1});
  execute(ins, b.state());
  EXPECT_EQ(b.get(dst)(1, 2), 5.0f);
}

TEST(IotaSemantics, PatternRankMismatchIsAnError) {
  CoreBench b;
  View dst = b.sbuf("dst", 2, {3, 4});
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_op(dst);
  set_ints(ins, "pattern", {1});
  EXPECT_THROW(sem::iota(ins, b.state()), Error);
}

// Causal mask: keep score[q, k] where q - k >= 0 (partition q, free index k),
// else -FLT_MAX.
TEST(AffineSelectSemantics, CausalMask) {
  constexpr int64_t P = 8, N = 8;
  CoreBench b;
  View src = b.sbuf("src", P, {N});
  View dst = b.sbuf("dst", P, {N});
  Matrix x(P, N);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) x(p, f) = float(p * N + f) * 0.5f;
  b.fill(src, x);
  Instruction ins = two_operand(Opcode::affine_select, dst, src);
  set_num(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {-1});
  set_alu(ins, "cmp_op", AluOp::kGreaterEqual);
  set_num(ins, "on_false_value", -FLT_MAX);
  sem::affine_select(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f)
      EXPECT_EQ(r(p, f), f <= p ? x(p, f) : -FLT_MAX) << p << " " << f;
}

// Sliding window on a 2-free-dim view [P, 2, 4] (i = 4a + c): keep p - i + 2 >
// 0.
TEST(AffineSelectSemantics, TwoFreeDimsWithOffset) {
  constexpr int64_t P = 8;
  CoreBench b;
  View src = b.sbuf("src", P, {2, 4});
  View dst = b.sbuf("dst", P, {2, 4});
  b.fill(src, Matrix::Constant(P, 8, 1.0f));
  Instruction ins = two_operand(Opcode::affine_select, dst, src);
  set_num(ins, "offset", 2);
  set_num(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {-4, -1});
  set_alu(ins, "cmp_op", AluOp::kGreater);
  set_num(ins, "on_false_value", 0);
  sem::affine_select(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(r(p, i), p - i + 2 > 0 ? 1.0f : 0.0f) << p << i;
}

Instruction scan_instr(const View& dst, const View& s0, const View& s1, AluOp op0, AluOp op1) {
  Instruction ins = make_instruction(Opcode::tensor_tensor_scan);
  ins.operand("dst") = view_op(dst);
  ins.operand("src0") = view_op(s0);
  ins.operand("src1") = view_op(s1);
  set_alu(ins, "op0", op0);
  set_alu(ins, "op1", op1);
  return ins;
}

// Cumulative sum: acc = (x[i] + acc) + 0, from an immediate and from a
// per-partition initial.
TEST(TensorTensorScanSemantics, CumulativeSumVsFloat64) {
  constexpr int64_t P = 4, N = 200;
  CoreBench b;
  View x = b.sbuf("x", P, {N});
  View zero = b.sbuf("zero", P, {N});
  View init = b.sbuf("init", P, {1});
  View dst = b.sbuf("dst", P, {N});
  std::mt19937 gen(99);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Matrix xv(P, N);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) xv(p, f) = dist(gen);
  b.fill(x, xv);
  b.fill(zero, Matrix::Zero(P, N));
  b.fill(init, mat(P, 1, {1, 2, 3, 4}));
  Instruction ins = scan_instr(dst, x, zero, AluOp::kAdd, AluOp::kAdd);
  for (int with_tile = 0; with_tile < 2; ++with_tile) {
    ins.operand("initial") = with_tile ? view_op(init) : imm_op(0.5);
    sem::tensor_tensor_scan(ins, b.state());
    const Matrix r = b.get(dst);
    for (int64_t p = 0; p < P; ++p) {
      double acc = with_tile ? double(p + 1) : 0.5;
      for (int64_t f = 0; f < N; ++f) {
        acc += xv(p, f);
        EXPECT_NEAR(r(p, f), acc, 1e-4) << with_tile << " " << p << " " << f;
      }
    }
  }
}

// Linear recurrence h = a[i] * h + x[i] (op0 multiply, op1 add), hand-computed.
TEST(TensorTensorScanSemantics, LinearRecurrenceHandComputed) {
  CoreBench b;
  View a = b.sbuf("a", 1, {4});
  View x = b.sbuf("x", 1, {4});
  View dst = b.sbuf("dst", 1, {4});
  b.fill(a, mat(1, 4, {0.5f, 2.0f, 0.0f, -1.0f}));
  b.fill(x, mat(1, 4, {1.0f, 1.0f, 3.0f, 1.0f}));
  Instruction ins = scan_instr(dst, a, x, AluOp::kMultiply, AluOp::kAdd);
  ins.operand("initial") = imm_op(2.0);
  sem::tensor_tensor_scan(ins, b.state());
  const Matrix r = b.get(dst);
  EXPECT_EQ(r(0, 0), 2.0f);   // 0.5 * 2 + 1
  EXPECT_EQ(r(0, 1), 5.0f);   // 2 * 2 + 1
  EXPECT_EQ(r(0, 2), 3.0f);   // 0 * 5 + 3
  EXPECT_EQ(r(0, 3), -2.0f);  // -1 * 3 + 1
}

Instruction range_instr(const View& dst, const View& src, const View& b0, const View& b1) {
  Instruction ins = two_operand(Opcode::range_select, dst, src);
  ins.operand("bound0") = view_op(b0);
  ins.operand("bound1") = view_op(b1);
  set_alu(ins, "comp_op0", AluOp::kGreaterEqual);
  set_alu(ins, "comp_op1", AluOp::kLess);
  set_num(ins, "on_false_value", -1000);
  return ins;
}

// Keep range_start + i in [bound0[p], bound1[p]); max-reduce the result into
// reduce_dst.
TEST(RangeSelectSemantics, WindowPerPartitionWithMaxReduce) {
  CoreBench b;
  View src = b.sbuf("src", 2, {8});
  View b0 = b.sbuf("b0", 2, {1});
  View b1 = b.sbuf("b1", 2, {1});
  View dst = b.sbuf("dst", 2, {8});
  View red = b.sbuf("red", 2, {1});
  b.fill(src, mat(2, 8, {0, 1, 2, 3, 4, 5, 6, 7, 70, 60, 50, 40, 30, 20, 10, 0}));
  b.fill(b0, mat(2, 1, {2, 0}));
  b.fill(b1, mat(2, 1, {5, 3}));
  Instruction ins = range_instr(dst, src, b0, b1);
  ins.operand("reduce_dst") = view_op(red);
  sem::range_select(ins, b.state());
  Matrix r = b.get(dst);
  const float expect[2][8] = {{-1000, -1000, 2, 3, 4, -1000, -1000, -1000},
                              {70, 60, 50, -1000, -1000, -1000, -1000, -1000}};
  for (int p = 0; p < 2; ++p)
    for (int f = 0; f < 8; ++f) EXPECT_EQ(r(p, f), expect[p][f]) << p << " " << f;
  EXPECT_EQ(b.get(red)(0, 0), 4.0f);
  EXPECT_EQ(b.get(red)(1, 0), 70.0f);

  // range_start shifts the compared index: i = 4 + f, so row 0 keeps only f = 0
  // (i = 4).
  set_num(ins, "range_start", 4);
  sem::range_select(ins, b.state());
  r = b.get(dst);
  EXPECT_EQ(r(0, 0), 0.0f);
  EXPECT_EQ(r(0, 1), -1000.0f);
  EXPECT_EQ(r(1, 0), -1000.0f);
  EXPECT_EQ(b.get(red)(1, 0), -1000.0f);
}

}  // namespace
}  // namespace trnsim::isa
