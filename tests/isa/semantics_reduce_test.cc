// Semantics of tensor_reduce, tensor_partition_reduce, bn_stats/bn_aggr:
// hand-computed values and float64 references computed here.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "isa/dtype.h"
#include "isa/error.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::imm_op;
using core_testing::mat;
using core_testing::random_matrix;
using core_testing::set_alu;
using core_testing::set_ints;
using core_testing::set_num;
using core_testing::two_operand;
using core_testing::view_op;

Instruction reduce_instr(const View& dst, const View& src, AluOp op, std::vector<int64_t> axes) {
  Instruction ins = two_operand(Opcode::tensor_reduce, dst, src);
  set_alu(ins, "alu_op", op);
  set_ints(ins, "axis", std::move(axes));
  return ins;
}

TEST(TensorReduceSemantics, AddAndNegateHandComputed) {
  CoreBench b;
  View src = b.sbuf("src", 2, {3});
  View dst = b.sbuf("dst", 2, {1});
  b.fill(src, mat(2, 3, {1, 2, 3, 4, 5, 6}));
  Instruction ins = reduce_instr(dst, src, AluOp::kAdd, {1});
  sem::tensor_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), 6.0f);
  EXPECT_EQ(b.get(dst)(1, 0), 15.0f);
  set_num(ins, "negate", 1);
  sem::tensor_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), -6.0f);
  EXPECT_EQ(b.get(dst)(1, 0), -15.0f);
}

TEST(TensorReduceSemantics, MaxMinMultiplyHandComputed) {
  CoreBench b;
  View src = b.sbuf("src", 1, {4});
  View dst = b.sbuf("dst", 1, {1});
  b.fill(src, mat(1, 4, {-3, 7, 2, -8}));
  Instruction ins = reduce_instr(dst, src, AluOp::kMax, {1});
  sem::tensor_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), 7.0f);
  set_alu(ins, "alu_op", AluOp::kMin);
  sem::tensor_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), -8.0f);
  set_alu(ins, "alu_op", AluOp::kMultiply);
  sem::tensor_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), 336.0f);
}

// src [P, A, B, C]: reduce the innermost axes {3}, {2,3}, {1,2,3} and the
// middle axis {2} (keepdims and not) against a float64 reference.
TEST(TensorReduceSemantics, MultiAxisRandomVsFloat64) {
  constexpr int64_t P = 16, A = 3, B = 4, C = 5;
  CoreBench b;
  View src = b.sbuf("src", P, {A, B, C});
  View d3 = b.sbuf("d3", P, {A, B});
  View d23 = b.sbuf("d23", P, {A, 1, 1});  // keepdims form
  View d123 = b.sbuf("d123", P, {1});
  View d2 = b.sbuf("d2", P, {A, C});
  const Matrix x = random_matrix(P, A * B * C, 7, -2.0f, 2.0f);
  b.fill(src, x);
  sem::tensor_reduce(reduce_instr(d3, src, AluOp::kAdd, {3}), b.state());
  Instruction k23 = reduce_instr(d23, src, AluOp::kAdd, {2, 3});
  set_num(k23, "keepdims", 1);
  sem::tensor_reduce(k23, b.state());
  sem::tensor_reduce(reduce_instr(d123, src, AluOp::kAdd, {1, 2, 3}), b.state());
  sem::tensor_reduce(reduce_instr(d2, src, AluOp::kMax, {2}), b.state());
  const Matrix r3 = b.get(d3), r23 = b.get(d23), r123 = b.get(d123), r2 = b.get(d2);
  for (int64_t p = 0; p < P; ++p) {
    double total = 0;
    for (int64_t a = 0; a < A; ++a) {
      double plane = 0;
      for (int64_t bb = 0; bb < B; ++bb) {
        double line = 0;
        for (int64_t c = 0; c < C; ++c) line += x(p, (a * B + bb) * C + c);
        EXPECT_NEAR(r3(p, a * B + bb), line, 1e-5) << p << " " << a << " " << bb;
        plane += line;
      }
      EXPECT_NEAR(r23(p, a), plane, 1e-5);
      total += plane;
      for (int64_t c = 0; c < C; ++c) {
        double m = -1e300;
        for (int64_t bb = 0; bb < B; ++bb) m = std::max<double>(m, x(p, (a * B + bb) * C + c));
        EXPECT_EQ(r2(p, a * C + c), static_cast<float>(m));
      }
    }
    EXPECT_NEAR(r123(p, 0), total, 1e-4);
  }
}

TEST(TensorReduceSemantics, ResultRoundedToDstDtype) {
  CoreBench b;
  View src = b.sbuf("src", 1, {2});
  View dst = b.sbuf("dst", 1, {1}, DType::kBf16);
  b.fill(src, mat(1, 2, {1.0f, std::ldexp(1.0f, -10)}));
  sem::tensor_reduce(reduce_instr(dst, src, AluOp::kAdd, {1}), b.state());
  EXPECT_EQ(b.get(dst)(0, 0),
            1.0f);  // 1 + 2^-10 is not a bf16 value; nearest is 1
}

TEST(TensorReduceSemantics, PartitionAxisIsAnError) {
  CoreBench b;
  View src = b.sbuf("src", 2, {3});
  View dst = b.sbuf("dst", 1, {3});
  EXPECT_THROW(sem::tensor_reduce(reduce_instr(dst, src, AluOp::kAdd, {0}), b.state()), Error);
  EXPECT_THROW(sem::tensor_reduce(reduce_instr(dst, src, AluOp::kAdd, {2}), b.state()), Error);
}

TEST(TensorPartitionReduceSemantics, AddAndMaxAcrossPartitions) {
  CoreBench b;
  View src = b.sbuf("src", 4, {3});
  View dst = b.sbuf("dst", 1, {3});
  b.fill(src, mat(4, 3, {1, -2, 3, 4, 5, -6, 7, 8, 9, -10, 11, 12}));
  Instruction ins = two_operand(Opcode::tensor_partition_reduce, dst, src);
  set_alu(ins, "alu_op", AluOp::kAdd);
  sem::tensor_partition_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), 2.0f);
  EXPECT_EQ(b.get(dst)(0, 1), 22.0f);
  EXPECT_EQ(b.get(dst)(0, 2), 18.0f);
  set_alu(ins, "alu_op", AluOp::kMax);
  sem::tensor_partition_reduce(ins, b.state());
  EXPECT_EQ(b.get(dst)(0, 0), 7.0f);
  EXPECT_EQ(b.get(dst)(0, 1), 11.0f);
  EXPECT_EQ(b.get(dst)(0, 2), 12.0f);
}


// Free-dim sub-view [col0, col1) of a 2-D view.
View columns(View v, int64_t col0, int64_t col1) {
  v.dims[1] = Slice{v.dims[1].start + col0, v.dims[1].start + col1, 1};
  return v;
}

TEST(BnStatsSemantics, EvenOddLayoutHandComputed) {
  CoreBench b;
  View src = b.sbuf("src", 1, {5});
  View stats = b.sbuf("stats", 1, {6});
  View mv = b.sbuf("mv", 1, {2});
  b.fill(src, mat(1, 5, {1, 2, 3, 4, 5}));
  sem::bn_stats(two_operand(Opcode::bn_stats, stats, src), b.state());
  // even 1,3,5: count 3, mean 3, count*var 8; odd 2,4: count 2, mean 3,
  // count*var 2.
  const Matrix s = b.get(stats);
  const float expect[6] = {3, 3, 8, 2, 3, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(s(0, i), expect[i]) << i;
  sem::bn_aggr(two_operand(Opcode::bn_aggr, mv, stats), b.state());
  EXPECT_EQ(b.get(mv)(0, 0), 3.0f);
  EXPECT_EQ(b.get(mv)(0, 1), 2.0f);  // population variance of 1..5
}

TEST(BnStatsSemantics, OneElementHasEmptyOddHalf) {
  CoreBench b;
  View src = b.sbuf("src", 1, {1});
  View stats = b.sbuf("stats", 1, {6});
  View mv = b.sbuf("mv", 1, {2});
  b.fill(src, mat(1, 1, {4.5f}));
  sem::bn_stats(two_operand(Opcode::bn_stats, stats, src), b.state());
  const Matrix s = b.get(stats);
  EXPECT_EQ(s(0, 0), 1.0f);
  EXPECT_EQ(s(0, 1), 4.5f);
  EXPECT_EQ(s(0, 3), 0.0f);
  sem::bn_aggr(two_operand(Opcode::bn_aggr, mv, stats), b.state());
  EXPECT_EQ(b.get(mv)(0, 0), 4.5f);
  EXPECT_EQ(b.get(mv)(0, 1), 0.0f);
}

// A LayerNorm-style row of 1500 elements as bn_stats chunks of 512, 512, 475 and 1 (whose odd
// half is empty), aggregated by one bn_aggr, against float64 mean and population variance.
TEST(BnStatsSemantics, SeveralChunksMatchFloat64MeanVariance) {
  constexpr int64_t P = 8;
  const std::vector<int64_t> chunks = {512, 512, 475, 1};
  int64_t n = 0;
  for (int64_t c : chunks) n += c;
  CoreBench b;
  View src = b.sbuf("src", P, {n});
  View stats = b.sbuf("stats", P, {6 * int64_t(chunks.size())});
  View mv = b.sbuf("mv", P, {2});
  Matrix x = random_matrix(P, n, 42, -1.0f, 1.0f);
  // Per-partition scale and offset, and a different mean per chunk, so that a combination that
  // ignores the spread between chunk means gets the variance wrong.
  for (int64_t p = 0; p < P; ++p) x.row(p) = x.row(p) * float(p + 1) + 3.0f * float(p);
  for (int64_t k = 0, col = 0; k < int64_t(chunks.size()); col += chunks[k], ++k)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t f = col; f < col + chunks[k]; ++f) x(p, f) += 1.5f * float(k);
  b.fill(src, x);
  int64_t col = 0;
  for (size_t k = 0; k < chunks.size(); ++k) {
    sem::bn_stats(two_operand(Opcode::bn_stats, columns(stats, 6 * k, 6 * k + 6),
                              columns(src, col, col + chunks[k])),
                  b.state());
    col += chunks[k];
  }
  sem::bn_aggr(two_operand(Opcode::bn_aggr, mv, stats), b.state());
  const Matrix r = b.get(mv);
  for (int64_t p = 0; p < P; ++p) {
    double sum = 0;
    for (int64_t f = 0; f < n; ++f) sum += x(p, f);
    const double mean = sum / n;
    double ss = 0;
    for (int64_t f = 0; f < n; ++f) ss += (x(p, f) - mean) * (x(p, f) - mean);
    const double var = ss / n;
    EXPECT_NEAR(r(p, 0), mean, 1e-5 * (std::abs(mean) + 1)) << p;
    EXPECT_NEAR(r(p, 1), var, 1e-5 * var) << p;
  }
}

TEST(BnAggrSemantics, ElementCountNotMultipleOfThreeIsAnError) {
  CoreBench b;
  View src = b.sbuf("src", 1, {4});
  View mv = b.sbuf("mv", 1, {2});
  EXPECT_THROW(sem::bn_aggr(two_operand(Opcode::bn_aggr, mv, src), b.state()), Error);
}

}  // namespace
}  // namespace trnsim::isa
