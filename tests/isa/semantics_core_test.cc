// Per-instruction semantics of the functional-plane core: DMA, tensor engine, activation and
// dispatch (elementwise instructions: semantics_elementwise_test.cc), on small programs built
// here, against hand-computed values and float64 references;
// narrow destinations are checked bit-exactly through round_to().
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "isa/error.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::imm_op;
using core_testing::mat;
using core_testing::random_matrix;
using core_testing::set_act;
using core_testing::set_alu;
using core_testing::set_num;
using core_testing::slice;
using core_testing::two_operand;
using core_testing::view_op;

// ---- DMA ---------------------------------------------------------------------------------

TEST(DmaCopySemantics, ReshapesInCOrderAndCastsToDst) {
  CoreBench b;
  View h = b.hbm("h", {2, 6});
  View t = b.sbuf("t", 3, {4}, DType::kBf16);
  const Matrix in = random_matrix(2, 6, 1, -4, 4);
  b.fill(h, in);
  execute(two_operand(Opcode::dma_copy, t, h), b.state());
  const Matrix got = b.get(t);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(encode(DType::kBf16, got(i / 4, i % 4)),
              encode(DType::kBf16, round_to(DType::kBf16, in(i / 6, i % 6))))
        << i;
}

TEST(DmaCopySemantics, SameDtypeMovesBitsExactly) {
  CoreBench b;
  View h = b.hbm("h", {1, 3}, DType::kInt32);
  View t = b.sbuf("t", 1, {3}, DType::kInt32);
  View back = b.hbm("back", {3}, DType::kInt32);
  const int32_t values[3] = {(1 << 24) + 1, -((1 << 30) + 3), 7};  // first two not fp32-exact
  std::memcpy(b.state().hbm(0).data(), values, 12);
  execute(two_operand(Opcode::dma_copy, t, h), b.state());
  execute(two_operand(Opcode::dma_copy, slice(back, {{0, 3, 1}}), t), b.state());
  int32_t out[3];
  std::memcpy(out, b.state().hbm(1).data(), 12);
  EXPECT_EQ(out[0], values[0]);
  EXPECT_EQ(out[1], values[1]);
  EXPECT_EQ(out[2], values[2]);
}

TEST(DmaCopySemantics, ElementCountMismatchThrows) {
  CoreBench b;
  View h = b.hbm("h", {2, 6});
  View t = b.sbuf("t", 2, {5});
  EXPECT_THROW(execute(two_operand(Opcode::dma_copy, t, h), b.state()), Error);
}

TEST(DmaTransposeSemantics, TransposesAndCasts) {
  CoreBench b;
  View h = b.hbm("h", {3, 5});
  View t = b.sbuf("t", 5, {3});
  View tb = b.sbuf("tb", 5, {3}, DType::kBf16);
  View wrong = b.sbuf("wrong", 5, {5});
  const Matrix in = random_matrix(3, 5, 2, -1, 1);
  b.fill(h, in);
  execute(two_operand(Opcode::dma_transpose, t, h), b.state());
  execute(two_operand(Opcode::dma_transpose, tb, h), b.state());
  const Matrix got = b.get(t), got_b = b.get(tb);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(got(j, i), in(i, j));
      EXPECT_EQ(got_b(j, i), round_to(DType::kBf16, in(i, j)));
    }
  EXPECT_THROW(execute(two_operand(Opcode::dma_transpose, wrong, h), b.state()), Error);
}

// ---- tensor engine -------------------------------------------------------------------------

Instruction matmul(const View& dst, const View& stationary, const View& moving, bool acc) {
  Instruction ins = make_instruction(Opcode::nc_matmul);
  ins.operand("dst") = view_op(dst);
  ins.operand("stationary") = view_op(stationary);
  ins.operand("moving") = view_op(moving);
  set_num(ins, "accumulate", acc ? 1 : 0);
  return ins;
}

TEST(NcMatmulSemantics, HandComputedSmall) {
  CoreBench b;
  View s = b.sbuf("s", 2, {2});  // [K=2, M=2]
  View m = b.sbuf("m", 2, {3});  // [K=2, N=3]
  View d = b.psum("d", 2, {3});
  b.fill(s, mat(2, 2, {1, 2, 3, 4}));
  b.fill(m, mat(2, 3, {1, 0, -1, 2, 1, 0}));
  execute(matmul(d, s, m, false), b.state());
  // S^T = [[1,3],[2,4]]; S^T @ M = [[7,3,-1],[10,4,-2]]
  EXPECT_TRUE((b.get(d) == mat(2, 3, {7, 3, -1, 10, 4, -2})).all()) << b.get(d);
}

TEST(NcMatmulSemantics, Bf16OperandsVsFloat64Reference) {
  constexpr int K = 96, M = 40, N = 72;
  CoreBench b;
  View s = b.sbuf("s", K, {M}, DType::kBf16);
  View m = b.sbuf("m", K, {N}, DType::kBf16);
  View d = b.psum("d", M, {N});
  b.fill(s, random_matrix(K, M, 3, -1, 1));
  b.fill(m, random_matrix(K, N, 4, -1, 1));
  const Matrix sv = b.get(s), mv = b.get(m);  // rounded operands
  execute(matmul(d, s, m, false), b.state());
  const Matrix got = b.get(d);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double want = 0, abs_sum = 0;
      for (int k = 0; k < K; ++k) {
        want += double(sv(k, i)) * double(mv(k, j));
        abs_sum += std::fabs(double(sv(k, i)) * double(mv(k, j)));
      }
      // fp32 sequential summation error bound: K * 2^-24 * sum |terms|.
      EXPECT_NEAR(double(got(i, j)), want, K * 6e-8 * abs_sum + 1e-30) << i << "," << j;
    }
}

TEST(NcMatmulSemantics, AccumulateAddsToPsumAndOverwriteReplaces) {
  CoreBench b;
  View s = b.sbuf("s", 3, {2});
  View m = b.sbuf("m", 3, {2});
  View d = b.psum("d", 2, {2});
  b.fill(s, mat(3, 2, {1, 0, 0, 1, 1, 1}));
  b.fill(m, mat(3, 2, {1, 2, 3, 4, 5, 6}));
  // S^T @ M = [[1+5, 2+6], [3+5, 4+6]] = [[6, 8], [8, 10]]
  b.fill(d, Matrix::Constant(2, 2, 100.0f));
  execute(matmul(d, s, m, true), b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {106, 108, 108, 110})).all()) << b.get(d);
  execute(matmul(d, s, m, true), b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {112, 116, 116, 120})).all()) << b.get(d);
  execute(matmul(d, s, m, false), b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {6, 8, 8, 10})).all()) << b.get(d);
}

// The documented accumulation order: fp32, k = 0..K-1 in partition order, from 0.
// (1 + 1e8) rounds to 1e8 in fp32 (ulp 8), so the sequential sum of {1, 1e8, -1e8} is 0,
// while a float64 sum would give 1.
TEST(NcMatmulSemantics, AccumulationOrderIsSequentialOverPartitions) {
  CoreBench b;
  View s = b.sbuf("s", 3, {1});
  View m = b.sbuf("m", 3, {1});
  View d = b.psum("d", 1, {1});
  b.fill(s, mat(3, 1, {1.0f, 1e8f, -1e8f}));
  b.fill(m, mat(3, 1, {1, 1, 1}));
  execute(matmul(d, s, m, false), b.state());
  EXPECT_EQ(b.get(d)(0, 0), 0.0f);
  b.fill(s, mat(3, 1, {1e8f, -1e8f, 1.0f}));
  execute(matmul(d, s, m, false), b.state());
  EXPECT_EQ(b.get(d)(0, 0), 1.0f);
}

TEST(NcMatmulSemantics, ShapeMismatchThrows) {
  CoreBench b;
  View s = b.sbuf("s", 4, {2});
  View m = b.sbuf("m", 3, {2});
  View d = b.psum("d", 2, {2});
  EXPECT_THROW(execute(matmul(d, s, m, false), b.state()), Error);
}

TEST(NcTransposeSemantics, TransposesIntoPsumAndRoundsNarrowDst) {
  CoreBench b;
  View src = b.sbuf("src", 4, {2, 3});  // free dims flatten to 6
  View d = b.psum("d", 6, {4});
  View db = b.sbuf("db", 6, {4}, DType::kBf16);
  const Matrix in = random_matrix(4, 6, 5, -3, 3);
  b.fill(src, in);
  execute(two_operand(Opcode::nc_transpose, d, src), b.state());
  execute(two_operand(Opcode::nc_transpose, db, src), b.state());
  const Matrix got = b.get(d), got_b = b.get(db);
  for (int p = 0; p < 4; ++p)
    for (int f = 0; f < 6; ++f) {
      EXPECT_EQ(got(f, p), in(p, f));
      EXPECT_EQ(encode(DType::kBf16, got_b(f, p)), encode(DType::kBf16, in(p, f)));
    }
}

// ---- activation ----------------------------------------------------------------------------

TEST(ActivationSemantics, PerPartitionScaleBiasAndReduceBeforeDowncast) {
  constexpr int P = 4, F = 6;
  CoreBench b;
  View src = b.sbuf("src", P, {F});
  View dst = b.sbuf("dst", P, {F}, DType::kBf16);
  View scale = b.sbuf("scale", P, {1});
  View bias = b.sbuf("bias", P, {1});
  View red = b.sbuf("red", P, {1});
  const Matrix x = random_matrix(P, F, 6, -1, 1);
  const Matrix sc = mat(P, 1, {0.5f, 1.0f, -2.0f, 3.0f});
  const Matrix bi = mat(P, 1, {0.1f, -0.3f, 0.0f, 0.7f});
  b.fill(src, x);
  b.fill(scale, sc);
  b.fill(bias, bi);
  Instruction ins = make_instruction(Opcode::activation);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("scale") = view_op(scale);
  ins.operand("bias") = view_op(bias);
  ins.operand("reduce_dst") = view_op(red);
  set_act(ins, "func", ActFunc::kExp);
  execute(ins, b.state());
  const Matrix got = b.get(dst), got_red = b.get(red);
  for (int p = 0; p < P; ++p) {
    double sum_exact = 0, sum_rounded = 0;
    for (int f = 0; f < F; ++f) {
      const float pre = x(p, f) * sc(p, 0) + bi(p, 0);
      const float want = std::exp(pre);  // fp32, as the engine computes
      EXPECT_EQ(encode(DType::kBf16, got(p, f)), encode(DType::kBf16, want)) << p << "," << f;
      EXPECT_NEAR(double(want), std::exp(double(x(p, f)) * sc(p, 0) + bi(p, 0)),
                  1e-6 * double(want));
      sum_exact += double(want);
      sum_rounded += double(round_to(DType::kBf16, want));
    }
    // The reduction is over the fp32 activation outputs, before the bf16 downcast.
    EXPECT_NEAR(double(got_red(p, 0)), sum_exact, 1e-6 * sum_exact) << p;
    if (std::fabs(sum_exact - sum_rounded) > 1e-4 * sum_exact) {
      EXPECT_GT(std::fabs(double(got_red(p, 0)) - sum_rounded), 1e-5 * sum_exact) << p;
    }
  }
}

TEST(ActivationSemantics, ReductionSeesValuesBeforeTheDowncast) {
  // identity of 1.001 four times: bf16 dst holds 1.0 each, but the sum is of fp32 values.
  CoreBench b;
  View src = b.sbuf("src", 1, {4});
  View dst = b.sbuf("dst", 1, {4}, DType::kBf16);
  View red = b.sbuf("red", 1, {1});
  b.fill(src, Matrix::Constant(1, 4, 1.001f));
  Instruction ins = make_instruction(Opcode::activation);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("reduce_dst") = view_op(red);
  set_act(ins, "func", ActFunc::kIdentity);
  execute(ins, b.state());
  EXPECT_TRUE((b.get(dst) == 1.0f).all());
  EXPECT_EQ(b.get(red)(0, 0), ((1.001f + 1.001f) + 1.001f) + 1.001f);
}

TEST(ActivationSemantics, ImmediateScaleNoBiasNoReduce) {
  CoreBench b;
  View src = b.sbuf("src", 2, {3});
  View dst = b.sbuf("dst", 2, {3});
  b.fill(src, mat(2, 3, {-2, -0.5f, 0, 0.5f, 1, 2}));
  Instruction ins = make_instruction(Opcode::activation);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("scale") = imm_op(2.0);
  set_act(ins, "func", ActFunc::kRelu);
  execute(ins, b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {0, 0, 0, 1, 2, 4})).all()) << b.get(dst);
  // Default scale is 1.
  Instruction plain = make_instruction(Opcode::activation);
  plain.operand("dst") = view_op(dst);
  plain.operand("src") = view_op(src);
  set_act(plain, "func", ActFunc::kSquare);
  execute(plain, b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {4, 0.25f, 0, 0.25f, 1, 4})).all()) << b.get(dst);
}

TEST(ActivationSemantics, EveryFunctionThroughTheInstructionVsFloat64) {
  CoreBench b;
  View src = b.sbuf("src", 1, {4});
  View dst = b.sbuf("dst", 1, {4});
  const Matrix x = mat(1, 4, {0.25f, 0.8f, 1.5f, 2.2f});  // positive: valid for log/sqrt/rsqrt
  b.fill(src, x);
  for (int i = 0; i < num_act_funcs(); ++i) {
    const ActFunc f = static_cast<ActFunc>(i);
    Instruction ins = make_instruction(Opcode::activation);
    ins.operand("dst") = view_op(dst);
    ins.operand("src") = view_op(src);
    ins.operand("scale") = imm_op(-1.0);  // exercises negative inputs for the others
    set_act(ins, "func", f);
    execute(ins, b.state());
    const Matrix got = b.get(dst);
    for (int k = 0; k < 4; ++k) {
      const float want = apply_act(f, -x(0, k));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got(0, k))) << act_name(f);  // sqrt, log of a negative
      } else {
        EXPECT_EQ(got(0, k), want) << act_name(f);
      }
    }
  }
  // gelu_apprx_tanh through the instruction vs the float64 tanh formula.
  Instruction g = make_instruction(Opcode::activation);
  g.operand("dst") = view_op(dst);
  g.operand("src") = view_op(src);
  set_act(g, "func", ActFunc::kGeluTanh);
  execute(g, b.state());
  for (int k = 0; k < 4; ++k) {
    const double v = x(0, k);
    const double want =
        0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(double(b.get(dst)(0, k)), want, 1e-6 * std::fabs(want));
  }
}

TEST(ActivationReduceSemantics, MaxReductionAndRequiredReduceDst) {
  CoreBench b;
  View src = b.sbuf("src", 2, {4});
  View dst = b.sbuf("dst", 2, {4});
  View red = b.sbuf("red", 2, {1});
  b.fill(src, mat(2, 4, {1, -3, 2, 0, -1, -2, -5, -4}));
  Instruction ins = make_instruction(Opcode::activation_reduce);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("reduce_dst") = view_op(red);
  ins.operand("bias") = imm_op(1.0);
  set_act(ins, "func", ActFunc::kAbs);
  set_alu(ins, "reduce_op", AluOp::kMax);
  execute(ins, b.state());
  // |x + 1|: row0 {2, 2, 3, 1} max 3; row1 {0, 1, 4, 3} max 4
  EXPECT_TRUE((b.get(dst) == mat(2, 4, {2, 2, 3, 1, 0, 1, 4, 3})).all()) << b.get(dst);
  EXPECT_EQ(b.get(red)(0, 0), 3.0f);
  EXPECT_EQ(b.get(red)(1, 0), 4.0f);
  ins.operand("reduce_dst") = Operand{};
  EXPECT_THROW(execute(ins, b.state()), Error);
}

// ---- dispatch ------------------------------------------------------------------------------

TEST(ExecuteAll, RunsInProgramOrderAndPrefixesErrorsWithTheIndex) {
  CoreBench b;
  View t = b.sbuf("t", 2, {2});
  View u = b.sbuf("u", 2, {2});
  View bad = b.sbuf("bad", 2, {3});
  Instruction set = make_instruction(Opcode::memset);
  set.operand("dst") = view_op(t);
  set_num(set, "value", 2.0);
  Instruction square = make_instruction(Opcode::activation);
  square.operand("dst") = view_op(u);
  square.operand("src") = view_op(t);
  set_act(square, "func", ActFunc::kSquare);
  b.program().instructions = {set, square};
  execute_all(b.program(), b.state());
  EXPECT_TRUE((b.get(u) == 4.0f).all());
  Instruction copy = two_operand(Opcode::tensor_copy, bad, t);
  b.program().instructions.push_back(copy);
  try {
    execute_all(b.program(), b.state());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("instruction 2", 0), 0u) << msg;
    EXPECT_NE(msg.find("tensor_copy"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace trnsim::isa
