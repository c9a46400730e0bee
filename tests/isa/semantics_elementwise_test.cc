// Per-instruction semantics of the elementwise vector/scalar instructions (tensor_tensor,
// tensor_scalar, scalar_tensor_tensor, tensor_scalar_reduce, tensor_copy, reciprocal, memset)
// on small programs built here, against hand-computed values and float64 references;
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
using core_testing::set_alu;
using core_testing::set_num;
using core_testing::slice;
using core_testing::two_operand;
using core_testing::view_op;

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- elementwise ---------------------------------------------------------------------------

Instruction tensor_tensor(const View& dst, const View& a, const View& c, AluOp op) {
  Instruction ins = make_instruction(Opcode::tensor_tensor);
  ins.operand("dst") = view_op(dst);
  ins.operand("src0") = view_op(a);
  ins.operand("src1") = view_op(c);
  set_alu(ins, "alu_op", op);
  return ins;
}

TEST(TensorTensorSemantics, ArithmeticIntoBf16BitExact) {
  CoreBench b;
  View a = b.sbuf("a", 3, {5});
  View c = b.sbuf("c", 3, {5});
  View d = b.sbuf("d", 3, {5}, DType::kBf16);
  const Matrix av = random_matrix(3, 5, 8, -2, 2), cv = random_matrix(3, 5, 9, 0.5f, 2);
  b.fill(a, av);
  b.fill(c, cv);
  for (AluOp op : {AluOp::kAdd, AluOp::kSubtract, AluOp::kMultiply, AluOp::kDivide,
                   AluOp::kMax, AluOp::kGreater}) {
    execute(tensor_tensor(d, a, c, op), b.state());
    const Matrix got = b.get(d);
    for (int i = 0; i < 15; ++i) {
      const float x = av(i / 5, i % 5), y = cv(i / 5, i % 5);
      float want = 0;
      switch (op) {
        case AluOp::kAdd: want = x + y; break;
        case AluOp::kSubtract: want = x - y; break;
        case AluOp::kMultiply: want = x * y; break;
        case AluOp::kDivide: want = x / y; break;
        case AluOp::kMax: want = x > y ? x : y; break;
        default: want = x > y ? 1.0f : 0.0f;
      }
      EXPECT_EQ(encode(DType::kBf16, got(i / 5, i % 5)), encode(DType::kBf16, want))
          << alu_name(op) << " " << i;
    }
  }
  View wrong = b.sbuf("wrong", 3, {4});
  EXPECT_THROW(execute(tensor_tensor(d, a, wrong, AluOp::kAdd), b.state()), Error);
}

TEST(TensorTensorSemantics, BitwiseOnInt32Tiles) {
  CoreBench b;
  View a = b.sbuf("a", 1, {4}, DType::kInt32);
  View c = b.sbuf("c", 1, {4}, DType::kInt32);
  View d = b.sbuf("d", 1, {4}, DType::kInt32);
  b.fill(a, mat(1, 4, {0xF0, -1, 5, 1}));
  b.fill(c, mat(1, 4, {0x3C, 0x0F, 3, 10}));
  execute(tensor_tensor(d, a, c, AluOp::kBitwiseAnd), b.state());
  EXPECT_TRUE((b.get(d) == mat(1, 4, {0x30, 0x0F, 1, 0})).all()) << b.get(d);
  execute(tensor_tensor(d, a, c, AluOp::kBitwiseXor), b.state());
  EXPECT_TRUE((b.get(d) == mat(1, 4, {0xCC, -16, 6, 11})).all()) << b.get(d);
  execute(tensor_tensor(d, a, c, AluOp::kLeftShift), b.state());
  // A shift count of 60 (> 31) shifts everything out.
  EXPECT_TRUE((b.get(d) == mat(1, 4, {0, -32768, 40, 1024})).all()) << b.get(d);
}

Instruction tensor_scalar(const View& dst, const View& src, AluOp op0, Operand o0, bool rev0) {
  Instruction ins = make_instruction(Opcode::tensor_scalar);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("operand0") = o0;
  set_alu(ins, "op0", op0);
  set_num(ins, "reverse0", rev0 ? 1 : 0);
  return ins;
}

TEST(TensorScalarSemantics, ReverseFlagsSwapOperandOrder) {
  CoreBench b;
  View src = b.sbuf("src", 2, {3});
  View dst = b.sbuf("dst", 2, {3});
  View col = b.sbuf("col", 2, {1});
  b.fill(src, mat(2, 3, {1, 2, 4, 8, 16, 32}));
  b.fill(col, mat(2, 1, {10, 100}));
  // src - operand0
  execute(tensor_scalar(dst, src, AluOp::kSubtract, view_op(col), false), b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {-9, -8, -6, -92, -84, -68})).all()) << b.get(dst);
  // operand0 - src
  execute(tensor_scalar(dst, src, AluOp::kSubtract, view_op(col), true), b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {9, 8, 6, 92, 84, 68})).all()) << b.get(dst);
  // (src * 2) then: reverse1 -> 64 / (src*2); not reversed -> (src*2) / 64
  Instruction two = tensor_scalar(dst, src, AluOp::kMultiply, imm_op(2), false);
  two.operand("operand1") = imm_op(64);
  set_alu(two, "op1", AluOp::kDivide);
  set_num(two, "reverse1", 1);
  execute(two, b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {32, 16, 8, 4, 2, 1})).all()) << b.get(dst);
  set_num(two, "reverse1", 0);
  execute(two, b.state());
  EXPECT_TRUE((b.get(dst) == mat(2, 3, {1.f / 32, 1.f / 16, 1.f / 8, 0.25f, 0.5f, 1})).all())
      << b.get(dst);
}

TEST(TensorScalarSemantics, FusedOpsRoundOnceAtTheEnd) {
  // (x * 3) - 1 in fp32, rounded once to bf16; not rounded to bf16 between the two ops.
  CoreBench b;
  View src = b.sbuf("src", 1, {64});
  View dst = b.sbuf("dst", 1, {64}, DType::kBf16);
  const Matrix x = random_matrix(1, 64, 10, -5, 5);
  b.fill(src, x);
  Instruction ins = tensor_scalar(dst, src, AluOp::kMultiply, imm_op(3), false);
  ins.operand("operand1") = imm_op(1);
  set_alu(ins, "op1", AluOp::kSubtract);
  execute(ins, b.state());
  const Matrix got = b.get(dst);
  for (int f = 0; f < 64; ++f)
    EXPECT_EQ(encode(DType::kBf16, got(0, f)), encode(DType::kBf16, x(0, f) * 3.0f - 1.0f)) << f;
}

TEST(TensorScalarSemantics, BitwiseAndShiftOnInt32) {
  CoreBench b;
  View src = b.sbuf("src", 1, {4}, DType::kInt32);
  View dst = b.sbuf("dst", 1, {4}, DType::kInt32);
  b.fill(src, mat(1, 4, {0x1234, -256, 255, 7}));
  Instruction ins = tensor_scalar(dst, src, AluOp::kRightShift, imm_op(4), false);
  ins.operand("operand1") = imm_op(0xF);
  set_alu(ins, "op1", AluOp::kBitwiseAnd);
  execute(ins, b.state());
  // (x >> 4) & 0xF: 0x123 & 0xF = 3; -16 & 0xF = 0; 15; 0
  EXPECT_TRUE((b.get(dst) == mat(1, 4, {3, 0, 15, 0})).all()) << b.get(dst);
  execute(tensor_scalar(dst, src, AluOp::kLeftShift, imm_op(2), false), b.state());
  EXPECT_TRUE((b.get(dst) == mat(1, 4, {0x48D0, -1024, 1020, 28})).all()) << b.get(dst);
}

Instruction stt(const View& dst, const View& s0, Operand o0, const View& s1, AluOp op0, AluOp op1,
                bool rev0, bool rev1) {
  Instruction ins = make_instruction(Opcode::scalar_tensor_tensor);
  ins.operand("dst") = view_op(dst);
  ins.operand("src0") = view_op(s0);
  ins.operand("operand0") = o0;
  ins.operand("src1") = view_op(s1);
  set_alu(ins, "op0", op0);
  set_alu(ins, "op1", op1);
  set_num(ins, "reverse0", rev0 ? 1 : 0);
  set_num(ins, "reverse1", rev1 ? 1 : 0);
  return ins;
}

TEST(ScalarTensorTensorSemantics, OrderAndReverseFlags) {
  CoreBench b;
  View a = b.sbuf("a", 2, {2});
  View c = b.sbuf("c", 2, {2});
  View d = b.sbuf("d", 2, {2});
  View col = b.sbuf("col", 2, {1});
  b.fill(a, mat(2, 2, {1, 2, 3, 4}));
  b.fill(c, mat(2, 2, {10, 20, 30, 40}));
  b.fill(col, mat(2, 1, {5, 7}));
  // (a - col) - c
  execute(stt(d, a, view_op(col), c, AluOp::kSubtract, AluOp::kSubtract, false, false),
          b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {-14, -23, -34, -43})).all()) << b.get(d);
  // c - (col - a)
  execute(stt(d, a, view_op(col), c, AluOp::kSubtract, AluOp::kSubtract, true, true), b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {6, 17, 26, 37})).all()) << b.get(d);
  // (a * 2) + c
  execute(stt(d, a, imm_op(2), c, AluOp::kMultiply, AluOp::kAdd, false, false), b.state());
  EXPECT_TRUE((b.get(d) == mat(2, 2, {12, 24, 36, 48})).all()) << b.get(d);
}

TEST(TensorScalarReduceSemantics, WritesDstAndReducesFp32Results) {
  CoreBench b;
  View src = b.sbuf("src", 2, {3});
  View dst = b.sbuf("dst", 2, {3}, DType::kBf16);
  View red = b.sbuf("red", 2, {1});
  b.fill(src, mat(2, 3, {1.001f, 2.003f, 3.007f, -1, -2, -3}));
  Instruction ins = make_instruction(Opcode::tensor_scalar_reduce);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("operand0") = imm_op(3);
  ins.operand("reduce_dst") = view_op(red);
  set_alu(ins, "op0", AluOp::kMultiply);
  execute(ins, b.state());
  const Matrix s = b.get(src);
  const float row0 = (s(0, 0) * 3.0f + s(0, 1) * 3.0f) + s(0, 2) * 3.0f;
  EXPECT_EQ(b.get(red)(0, 0), row0);
  EXPECT_EQ(b.get(red)(1, 0), -18.0f);
  EXPECT_EQ(b.get(dst)(0, 1), round_to(DType::kBf16, s(0, 1) * 3.0f));
  set_alu(ins, "reduce_op", AluOp::kMin);
  set_num(ins, "reverse0", 1);
  set_alu(ins, "op0", AluOp::kSubtract);  // 3 - src
  execute(ins, b.state());
  EXPECT_EQ(b.get(red)(1, 0), 4.0f);
  EXPECT_EQ(b.get(red)(0, 0), 3.0f - s(0, 2));
}

TEST(TensorCopySemantics, CastsToFp8BitExactWithSaturation) {
  CoreBench b;
  View src = b.sbuf("src", 1, {5});
  View e4 = b.sbuf("e4", 1, {5}, DType::kFp8E4M3);
  View e5 = b.sbuf("e5", 1, {5}, DType::kFp8E5M2);
  const Matrix x = mat(1, 5, {0.3f, -1.7f, 1000.0f, 0.001f, 3.14159f});
  b.fill(src, x);
  execute(two_operand(Opcode::tensor_copy, e4, src), b.state());
  execute(two_operand(Opcode::tensor_copy, e5, src), b.state());
  const Matrix g4 = b.get(e4), g5 = b.get(e5);
  for (int f = 0; f < 5; ++f) {
    EXPECT_EQ(encode(DType::kFp8E4M3, g4(0, f)), encode(DType::kFp8E4M3, x(0, f))) << f;
    EXPECT_EQ(g5(0, f), round_to(DType::kFp8E5M2, x(0, f))) << f;
  }
  EXPECT_EQ(g4(0, 2), 448.0f);
  EXPECT_EQ(g4(0, 4), 3.25f);  // e4m3 spacing 0.25 in [2, 4): 3.14159 -> 3.25
}

TEST(ReciprocalSemantics, OneOverXWithIeeeZero) {
  CoreBench b;
  View src = b.sbuf("src", 1, {4});
  View dst = b.sbuf("dst", 1, {4});
  b.fill(src, mat(1, 4, {4, -0.5f, 0, 3}));
  execute(two_operand(Opcode::reciprocal, dst, src), b.state());
  const Matrix got = b.get(dst);
  EXPECT_EQ(got(0, 0), 0.25f);
  EXPECT_EQ(got(0, 1), -2.0f);
  EXPECT_EQ(got(0, 2), kInf);
  EXPECT_EQ(got(0, 3), 1.0f / 3.0f);
}

TEST(MemsetSemantics, FillsViewRoundedToDtype) {
  CoreBench b;
  View t = b.sbuf("t", 3, {4}, DType::kBf16);
  b.fill(t, Matrix::Constant(3, 4, 9.0f));
  Instruction ins = make_instruction(Opcode::memset);
  ins.operand("dst") = view_op(slice(t, {{1, 3, 1}, {0, 4, 2}}));
  set_num(ins, "value", 0.1);
  execute(ins, b.state());
  const Matrix got = b.get(t);
  const float tenth = round_to(DType::kBf16, 0.1f);
  EXPECT_TRUE((got.row(0) == 9.0f).all());
  EXPECT_EQ(got(1, 0), tenth);
  EXPECT_EQ(got(2, 2), tenth);
  EXPECT_EQ(got(2, 1), 9.0f);
}

}  // namespace
}  // namespace trnsim::isa
