// Semantics of iota, affine_select, tensor_tensor_scan and range_select:
// hand-computed values and float64 references computed here.
#include <gtest/gtest.h>

#include <cfloat>
#include <random>
#include <vector>

#include "isa/dtype.h"
#include "isa/error.h"
#include "tests/isa/semantics_bench.h"

namespace trnsim::isa {
namespace {

using testing::imm_operand;
using testing::rows;
using testing::SemBench;
using testing::set_alu;
using testing::set_attr;
using testing::set_ints;
using testing::view_operand;

TEST(IotaSemantics, ChannelMultiplierAndTwoFreeDims) {
  constexpr int64_t P = 4, A = 3, B = 5;
  SemBench b;
  View dst = b.add_tile("dst", P, {A, B}, DType::kInt32);
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_operand(dst);
  set_attr(ins, "offset", 10);
  set_attr(ins, "channel_multiplier", 100);
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
  SemBench b;
  View tile = b.add_tile("dst", 8, {4});
  View part = tile;
  part.dims[0] = Slice{4, 8, 1};  // partitions 4..7 of the tile
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_operand(part);
  set_attr(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {10});
  sem::iota(ins, b.state());
  const Matrix r = b.get(tile);
  EXPECT_EQ(r(4, 0), 0.0f);
  EXPECT_EQ(r(7, 3), 33.0f);
}

TEST(IotaSemantics, RunsThroughExecuteDispatch) {
  SemBench b;
  View dst = b.add_tile("dst", 2, {3});
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_operand(dst);
  set_attr(ins, "channel_multiplier", 3);
  set_ints(ins, "pattern", {1});
  execute(ins, b.state());
  EXPECT_EQ(b.get(dst)(1, 2), 5.0f);
}

TEST(IotaSemantics, PatternRankMismatchIsAnError) {
  SemBench b;
  View dst = b.add_tile("dst", 2, {3, 4});
  Instruction ins = make_instruction(Opcode::iota);
  ins.operand("dst") = view_operand(dst);
  set_ints(ins, "pattern", {1});
  EXPECT_THROW(sem::iota(ins, b.state()), Error);
}

// Causal mask: keep score[q, k] where q - k >= 0 (partition q, free index k),
// else -FLT_MAX.
TEST(AffineSelectSemantics, CausalMask) {
  constexpr int64_t P = 8, N = 8;
  SemBench b;
  View src = b.add_tile("src", P, {N});
  View dst = b.add_tile("dst", P, {N});
  Matrix x(P, N);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) x(p, f) = float(p * N + f) * 0.5f;
  b.fill(src, x);
  Instruction ins = make_instruction(Opcode::affine_select);
  ins.operand("dst") = view_operand(dst);
  ins.operand("src") = view_operand(src);
  set_attr(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {-1});
  set_alu(ins, "cmp_op", AluOp::kGreaterEqual);
  set_attr(ins, "on_false_value", -FLT_MAX);
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
  SemBench b;
  View src = b.add_tile("src", P, {2, 4});
  View dst = b.add_tile("dst", P, {2, 4});
  b.fill(src, Matrix::Constant(P, 8, 1.0f));
  Instruction ins = make_instruction(Opcode::affine_select);
  ins.operand("dst") = view_operand(dst);
  ins.operand("src") = view_operand(src);
  set_attr(ins, "offset", 2);
  set_attr(ins, "channel_multiplier", 1);
  set_ints(ins, "pattern", {-4, -1});
  set_alu(ins, "cmp_op", AluOp::kGreater);
  set_attr(ins, "on_false_value", 0);
  sem::affine_select(ins, b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(r(p, i), p - i + 2 > 0 ? 1.0f : 0.0f) << p << i;
}

Instruction scan_instr(const View& dst, const View& s0, const View& s1, AluOp op0, AluOp op1) {
  Instruction ins = make_instruction(Opcode::tensor_tensor_scan);
  ins.operand("dst") = view_operand(dst);
  ins.operand("src0") = view_operand(s0);
  ins.operand("src1") = view_operand(s1);
  set_alu(ins, "op0", op0);
  set_alu(ins, "op1", op1);
  return ins;
}

// Cumulative sum: acc = (x[i] + acc) + 0, from an immediate and from a
// per-partition initial.
TEST(TensorTensorScanSemantics, CumulativeSumVsFloat64) {
  constexpr int64_t P = 4, N = 200;
  SemBench b;
  View x = b.add_tile("x", P, {N});
  View zero = b.add_tile("zero", P, {N});
  View init = b.add_tile("init", P, {1});
  View dst = b.add_tile("dst", P, {N});
  std::mt19937 gen(99);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Matrix xv(P, N);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) xv(p, f) = dist(gen);
  b.fill(x, xv);
  b.fill(zero, Matrix::Zero(P, N));
  b.fill(init, rows(P, 1, {1, 2, 3, 4}));
  Instruction ins = scan_instr(dst, x, zero, AluOp::kAdd, AluOp::kAdd);
  for (int with_tile = 0; with_tile < 2; ++with_tile) {
    ins.operand("initial") = with_tile ? view_operand(init) : imm_operand(0.5);
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
  SemBench b;
  View a = b.add_tile("a", 1, {4});
  View x = b.add_tile("x", 1, {4});
  View dst = b.add_tile("dst", 1, {4});
  b.fill(a, rows(1, 4, {0.5f, 2.0f, 0.0f, -1.0f}));
  b.fill(x, rows(1, 4, {1.0f, 1.0f, 3.0f, 1.0f}));
  Instruction ins = scan_instr(dst, a, x, AluOp::kMultiply, AluOp::kAdd);
  ins.operand("initial") = imm_operand(2.0);
  sem::tensor_tensor_scan(ins, b.state());
  const Matrix r = b.get(dst);
  EXPECT_EQ(r(0, 0), 2.0f);   // 0.5 * 2 + 1
  EXPECT_EQ(r(0, 1), 5.0f);   // 2 * 2 + 1
  EXPECT_EQ(r(0, 2), 3.0f);   // 0 * 5 + 3
  EXPECT_EQ(r(0, 3), -2.0f);  // -1 * 3 + 1
}

Instruction range_instr(const View& dst, const View& src, const View& b0, const View& b1) {
  Instruction ins = make_instruction(Opcode::range_select);
  ins.operand("dst") = view_operand(dst);
  ins.operand("src") = view_operand(src);
  ins.operand("bound0") = view_operand(b0);
  ins.operand("bound1") = view_operand(b1);
  set_alu(ins, "comp_op0", AluOp::kGreaterEqual);
  set_alu(ins, "comp_op1", AluOp::kLess);
  set_attr(ins, "on_false_value", -1000);
  return ins;
}

// Keep range_start + i in [bound0[p], bound1[p]); max-reduce the result into
// reduce_dst.
TEST(RangeSelectSemantics, WindowPerPartitionWithMaxReduce) {
  SemBench b;
  View src = b.add_tile("src", 2, {8});
  View b0 = b.add_tile("b0", 2, {1});
  View b1 = b.add_tile("b1", 2, {1});
  View dst = b.add_tile("dst", 2, {8});
  View red = b.add_tile("red", 2, {1});
  b.fill(src, rows(2, 8, {0, 1, 2, 3, 4, 5, 6, 7, 70, 60, 50, 40, 30, 20, 10, 0}));
  b.fill(b0, rows(2, 1, {2, 0}));
  b.fill(b1, rows(2, 1, {5, 3}));
  Instruction ins = range_instr(dst, src, b0, b1);
  ins.operand("reduce_dst") = view_operand(red);
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
  set_attr(ins, "range_start", 4);
  sem::range_select(ins, b.state());
  r = b.get(dst);
  EXPECT_EQ(r(0, 0), 0.0f);
  EXPECT_EQ(r(0, 1), -1000.0f);
  EXPECT_EQ(r(1, 0), -1000.0f);
  EXPECT_EQ(b.get(red)(1, 0), -1000.0f);
}

}  // namespace
}  // namespace trnsim::isa
