// Functional-plane core: MachineState view reads/writes (strided views, dtypes, HBM, bounds)
// and the shared scalar kernels (apply_alu, apply_act, reduce_identity), against hand-computed
// values and float64 references.
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
using core_testing::slice;
using core_testing::view_op;

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(MachineStateCore, DenseFp32RoundTripAndLayout) {
  CoreBench b;
  b.sbuf("pad", 2, {16});  // puts the next tile at byte 64
  View t = b.sbuf("t", 2, {3});
  b.fill(t, mat(2, 3, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE((b.get(t) == mat(2, 3, {1, 2, 3, 4, 5, 6})).all());
  // Partition 1, byte 64 + 4: the second element 5.0f.
  float v;
  std::memcpy(&v, b.state().sbuf_partition(1) + 64 + 4, 4);
  EXPECT_EQ(v, 5.0f);
}

TEST(MachineStateCore, StridedViewReadAndWriteTouchOnlyTheView) {
  CoreBench b;
  View t = b.sbuf("t", 4, {6, 8});
  Matrix full(4, 48);
  for (int p = 0; p < 4; ++p)
    for (int f = 0; f < 48; ++f) full(p, f) = float(p * 100 + f);
  b.fill(t, full);
  // partitions 1,3; rows 2,4; cols 1,4,7
  View v = slice(t, {{1, 4, 2}, {2, 6, 2}, {1, 8, 3}});
  Matrix got = b.get(v);
  ASSERT_EQ(got.rows(), 2);
  ASSERT_EQ(got.cols(), 6);
  const int rows_i[] = {2, 4}, cols_i[] = {1, 4, 7};
  for (int p = 0; p < 2; ++p)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(got(p, r * 3 + c), float((1 + 2 * p) * 100 + rows_i[r] * 8 + cols_i[c]));
  b.fill(v, Matrix::Constant(2, 6, -1.0f));
  Matrix after = b.get(t);
  int changed = 0;
  for (int p = 0; p < 4; ++p)
    for (int f = 0; f < 48; ++f) {
      if (after(p, f) == -1.0f) {
        ++changed;
        EXPECT_TRUE(p == 1 || p == 3);
      } else {
        EXPECT_EQ(after(p, f), full(p, f));
      }
    }
  EXPECT_EQ(changed, 12);
}

TEST(MachineStateCore, NarrowDtypesRoundOnWriteBitExact) {
  CoreBench b;
  View bf = b.sbuf("bf", 1, {5}, DType::kBf16);
  View e4 = b.sbuf("e4", 1, {5}, DType::kFp8E4M3);
  View i8 = b.sbuf("i8", 1, {5}, DType::kInt8);
  const Matrix in = mat(1, 5, {0.1f, 1.00390625f, -3.3333f, 1000.0f, 2.5f});
  b.fill(bf, in);
  b.fill(e4, in);
  b.fill(i8, in);
  const Matrix got_bf = b.get(bf), got_e4 = b.get(e4), got_i8 = b.get(i8);
  for (int f = 0; f < 5; ++f) {
    EXPECT_EQ(encode(DType::kBf16, got_bf(0, f)), encode(DType::kBf16, in(0, f)));
    EXPECT_EQ(got_bf(0, f), round_to(DType::kBf16, in(0, f)));
    EXPECT_EQ(got_e4(0, f), round_to(DType::kFp8E4M3, in(0, f)));
  }
  // Hand-computed: 1 + 2^-8 is a tie in bf16 -> even (1.0); e4m3 saturates 1000 -> 448.
  EXPECT_EQ(got_bf(0, 1), 1.0f);
  EXPECT_EQ(got_e4(0, 3), 448.0f);
  // int8: round half to even (2.5 -> 2), saturation (1000 -> 127).
  EXPECT_EQ(got_i8(0, 4), 2.0f);
  EXPECT_EQ(got_i8(0, 3), 127.0f);
  EXPECT_EQ(got_i8(0, 2), -3.0f);
}

TEST(MachineStateCore, HbmViewsUseRowMajorTensorLayout) {
  CoreBench b;
  View h = b.hbm("h", {3, 5}, DType::kInt32);
  Matrix full(3, 5);
  for (int i = 0; i < 15; ++i) full(i / 5, i % 5) = float(i);
  b.fill(h, full);
  EXPECT_EQ(b.state().hbm(0).size(), 60u);
  int32_t raw;
  std::memcpy(&raw, b.state().hbm(0).data() + 4 * 7, 4);
  EXPECT_EQ(raw, 7);
  View v = slice(h, {{1, 3, 1}, {0, 5, 2}});
  EXPECT_TRUE((b.get(v) == mat(2, 3, {5, 7, 9, 10, 12, 14})).all());
}

TEST(MachineStateCore, ScalarOperandImmediateOrColumn) {
  CoreBench b;
  View col = b.sbuf("col", 3, {1});
  View wide = b.sbuf("wide", 3, {2});
  b.fill(col, mat(3, 1, {1, -2, 3}));
  const Eigen::ArrayXf imm = b.state().read_scalar_operand(imm_op(2.5), 3);
  ASSERT_EQ(imm.size(), 3);
  EXPECT_TRUE((imm == 2.5f).all());
  const Eigen::ArrayXf c = b.state().read_scalar_operand(view_op(col), 3);
  EXPECT_EQ(c(1), -2.0f);
  EXPECT_THROW(b.state().read_scalar_operand(view_op(wide), 3), Error);
  EXPECT_THROW(b.state().read_scalar_operand(view_op(col), 4), Error);
  EXPECT_THROW(b.state().read_scalar_operand(Operand{}, 3), Error);
}

TEST(MachineStateCore, OutOfBoundsAccessThrowsNamingTheBuffer) {
  CoreBench b;
  const int64_t end = 192 * 1024;
  View t = b.sbuf_at("edge", 128, {4}, end - 16);
  View h = b.hbm("h", {2, 2});
  View beyond = slice(t, {{0, 1, 1}, {0, 8, 1}});
  try {
    b.get(beyond);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("edge"), std::string::npos) << e.what();
  }
  View past_partitions = slice(t, {{120, 136, 1}, {0, 4, 1}});
  EXPECT_THROW(b.get(past_partitions), Error);
  EXPECT_THROW(b.fill(past_partitions, Matrix::Zero(16, 4)), Error);
  // Shape mismatch on write.
  EXPECT_THROW(b.fill(t, Matrix::Zero(128, 3)), Error);
  EXPECT_THROW(b.get(slice(h, {{0, 3, 1}, {0, 2, 1}})), Error);
}

// The bf16 write path is inlined in machine_state.cc: it must give encode()'s bits for every
// kind of input (ties, carries into the exponent, overflow to Inf, subnormals, NaN).
TEST(MachineStateCore, Bf16WritePathMatchesEncodeOnBitPatterns) {
  constexpr int kCount = 4096;
  CoreBench b;
  View t = b.sbuf("t", 1, {kCount}, DType::kBf16);
  Matrix in(1, kCount);
  std::mt19937 gen(11);
  for (int i = 0; i < kCount; ++i) {
    uint32_t bits = uint32_t(gen());
    if (i % 4 == 1) bits = (bits & 0xFFFF0000u) | 0x8000u;  // exact ties
    if (i % 4 == 2) bits |= 0x7F7F8000u;                      // near max finite / NaN
    std::memcpy(&in(0, i), &bits, 4);
  }
  b.fill(t, in);
  const uint8_t* stored = b.state().sbuf_partition(0);
  for (int i = 0; i < kCount; ++i) {
    uint16_t h;
    std::memcpy(&h, stored + 2 * i, 2);
    ASSERT_EQ(h, encode(DType::kBf16, in(0, i))) << i;
  }
}

TEST(MachineStateCore, BitsRoundTripKeepsWideInt32) {
  CoreBench b;
  View t = b.sbuf("t", 1, {2}, DType::kInt32);
  const int32_t big = (1 << 24) + 1;  // not representable in fp32
  std::memcpy(b.state().sbuf_partition(0), &big, 4);
  const std::vector<uint32_t> bits = b.state().read_bits(t);
  ASSERT_EQ(bits.size(), 2u);
  EXPECT_EQ(bits[0], uint32_t(big));
  b.state().write_bits(slice(t, {{0, 1, 1}, {1, 2, 1}}), {bits[0]});
  int32_t second;
  std::memcpy(&second, b.state().sbuf_partition(0) + 4, 4);
  EXPECT_EQ(second, big);
}

TEST(MachineStateCore, RandomStridedViewsMatchIndexing) {
  // Many random slices of a [8, 5, 7, 6] bf16 tile against direct C-order indexing.
  CoreBench b;
  View t = b.sbuf("t", 8, {5, 7, 6}, DType::kBf16);
  Matrix full(8, 210);  // rounded by the bf16 write; views are compared with the stored values
  for (int p = 0; p < 8; ++p)
    for (int f = 0; f < 210; ++f) full(p, f) = float(p * 1000 + f);
  b.fill(t, full);
  const Matrix stored = b.get(t);
  std::mt19937 gen(7);
  const int64_t shape[4] = {8, 5, 7, 6};
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Slice> dims;
    for (int d = 0; d < 4; ++d) {
      std::uniform_int_distribution<int64_t> start_d(0, shape[d] - 1);
      const int64_t start = start_d(gen);
      std::uniform_int_distribution<int64_t> stop_d(start + 1, shape[d]);
      std::uniform_int_distribution<int64_t> step_d(1, 3);
      dims.push_back({start, stop_d(gen), step_d(gen)});
    }
    const Matrix got = b.get(slice(t, dims));
    int64_t col = 0;
    for (int64_t i1 = dims[1].start; i1 < dims[1].stop; i1 += dims[1].step)
      for (int64_t i2 = dims[2].start; i2 < dims[2].stop; i2 += dims[2].step)
        for (int64_t i3 = dims[3].start; i3 < dims[3].stop; i3 += dims[3].step, ++col) {
          int64_t row = 0;
          for (int64_t p = dims[0].start; p < dims[0].stop; p += dims[0].step, ++row)
            ASSERT_EQ(got(row, col), stored(p, i1 * 42 + i2 * 6 + i3)) << "trial " << trial;
        }
    ASSERT_EQ(col, got.cols());
  }
}

// ---- scalar kernels ---------------------------------------------------------------------

TEST(ApplyAlu, ArithmeticHandComputed) {
  EXPECT_EQ(apply_alu(AluOp::kAdd, 1.5f, 2.25f), 3.75f);
  EXPECT_EQ(apply_alu(AluOp::kSubtract, 1.5f, 2.25f), -0.75f);
  EXPECT_EQ(apply_alu(AluOp::kMultiply, 1.5f, -4.0f), -6.0f);
  EXPECT_EQ(apply_alu(AluOp::kDivide, 3.0f, 4.0f), 0.75f);
  EXPECT_EQ(apply_alu(AluOp::kMax, -3.0f, 2.0f), 2.0f);
  EXPECT_EQ(apply_alu(AluOp::kMin, -3.0f, 2.0f), -3.0f);
  EXPECT_EQ(apply_alu(AluOp::kPower, 2.0f, 10.0f), 1024.0f);
  EXPECT_EQ(apply_alu(AluOp::kPower, 9.0f, 0.5f), 3.0f);
  EXPECT_EQ(apply_alu(AluOp::kAbsMax, -7.0f, 2.0f), 7.0f);
  EXPECT_EQ(apply_alu(AluOp::kAbsMax, 1.0f, -0.5f), 1.0f);
  EXPECT_EQ(apply_alu(AluOp::kBypass, 5.0f, 9.0f), 5.0f);
}

TEST(ApplyAlu, DivideByZeroFollowsIeee) {
  EXPECT_EQ(apply_alu(AluOp::kDivide, 1.0f, 0.0f), kInf);
  EXPECT_EQ(apply_alu(AluOp::kDivide, -1.0f, 0.0f), -kInf);
  EXPECT_EQ(apply_alu(AluOp::kDivide, 1.0f, -0.0f), -kInf);
  EXPECT_TRUE(std::isnan(apply_alu(AluOp::kDivide, 0.0f, 0.0f)));
}

TEST(ApplyAlu, ComparisonsGiveOneOrZero) {
  struct Case {
    AluOp op;
    float lt, eq, gt;  // results for (1,2), (2,2), (3,2)
  };
  const Case cases[] = {{AluOp::kEqual, 0, 1, 0},   {AluOp::kNotEqual, 1, 0, 1},
                        {AluOp::kGreater, 0, 0, 1}, {AluOp::kGreaterEqual, 0, 1, 1},
                        {AluOp::kLess, 1, 0, 0},    {AluOp::kLessEqual, 1, 1, 0}};
  for (const Case& c : cases) {
    EXPECT_EQ(apply_alu(c.op, 1, 2), c.lt) << alu_name(c.op);
    EXPECT_EQ(apply_alu(c.op, 2, 2), c.eq) << alu_name(c.op);
    EXPECT_EQ(apply_alu(c.op, 3, 2), c.gt) << alu_name(c.op);
  }
}

TEST(ApplyAlu, BitwiseOnInt32Values) {
  EXPECT_EQ(apply_alu(AluOp::kBitwiseAnd, 12.0f, 10.0f), 8.0f);
  EXPECT_EQ(apply_alu(AluOp::kBitwiseOr, 12.0f, 10.0f), 14.0f);
  EXPECT_EQ(apply_alu(AluOp::kBitwiseXor, 12.0f, 10.0f), 6.0f);
  EXPECT_EQ(apply_alu(AluOp::kBitwiseAnd, -1.0f, 255.0f), 255.0f);  // two's complement
  EXPECT_EQ(apply_alu(AluOp::kBitwiseXor, -1.0f, 0.0f), -1.0f);
  EXPECT_EQ(apply_alu(AluOp::kLeftShift, 3.0f, 4.0f), 48.0f);
  EXPECT_EQ(apply_alu(AluOp::kRightShift, 48.0f, 4.0f), 3.0f);
  EXPECT_EQ(apply_alu(AluOp::kRightShift, -16.0f, 2.0f), -4.0f);  // arithmetic shift
  EXPECT_EQ(apply_alu(AluOp::kLeftShift, 1.0f, 31.0f), -2147483648.0f);
  EXPECT_EQ(apply_alu(AluOp::kLeftShift, 1.0f, 40.0f), 0.0f);
  // Operands convert to int32 by round-to-nearest-even: 2.5 -> 2, 3.5 -> 4.
  EXPECT_EQ(apply_alu(AluOp::kBitwiseOr, 2.5f, 0.0f), 2.0f);
  EXPECT_EQ(apply_alu(AluOp::kBitwiseOr, 3.5f, 0.0f), 4.0f);
}

TEST(ReduceIdentity, IdentitiesAndRejection) {
  EXPECT_EQ(reduce_identity(AluOp::kAdd), 0.0f);
  EXPECT_EQ(reduce_identity(AluOp::kMultiply), 1.0f);
  EXPECT_EQ(reduce_identity(AluOp::kMax), -kInf);
  EXPECT_EQ(reduce_identity(AluOp::kMin), kInf);
  EXPECT_EQ(reduce_identity(AluOp::kAbsMax), 0.0f);
  EXPECT_EQ(reduce_identity(AluOp::kBitwiseOr), 0.0f);
  EXPECT_EQ(reduce_identity(AluOp::kBitwiseXor), 0.0f);
  // identity op x == x for each reduction operator
  for (AluOp op : {AluOp::kAdd, AluOp::kMultiply, AluOp::kMax, AluOp::kMin, AluOp::kBitwiseAnd,
                   AluOp::kBitwiseOr, AluOp::kBitwiseXor})
    EXPECT_EQ(apply_alu(op, reduce_identity(op), 37.0f), 37.0f) << alu_name(op);
  EXPECT_THROW(reduce_identity(AluOp::kSubtract), Error);
  EXPECT_THROW(reduce_identity(AluOp::kLess), Error);
}

// float64 reference of every activation function.
double act_reference(std::string_view name, double x) {
  const double sig = 1.0 / (1.0 + std::exp(-x));
  if (name == "identity" || name == "copy") return x;
  if (name == "exp") return std::exp(x);
  if (name == "log") return std::log(x);
  if (name == "silu") return x * sig;
  if (name == "gelu") return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  if (name == "gelu_apprx_tanh")
    return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  if (name == "sigmoid") return sig;
  if (name == "tanh") return std::tanh(x);
  if (name == "relu") return x > 0 ? x : 0;
  if (name == "square") return x * x;
  if (name == "sqrt") return std::sqrt(x);
  if (name == "rsqrt") return 1.0 / std::sqrt(x);
  if (name == "reciprocal") return 1.0 / x;
  if (name == "sin") return std::sin(x);
  if (name == "cos") return std::cos(x);
  if (name == "abs") return std::fabs(x);
  if (name == "sign") return x > 0 ? 1 : (x < 0 ? -1 : 0);
  if (name == "erf") return std::erf(x);
  if (name == "softplus") return std::log1p(std::exp(x));
  ADD_FAILURE() << "no float64 reference for activation '" << name << "'";
  return 0;
}

TEST(ApplyAct, EveryFunctionMatchesFloat64Reference) {
  const float points[] = {-2.75f, -0.5f, 0.3f, 1.7f, 6.0f};
  for (int i = 0; i < num_act_funcs(); ++i) {
    const ActFunc f = static_cast<ActFunc>(i);
    const std::string_view name = act_name(f);
    const bool positive_only = name == "log" || name == "sqrt" || name == "rsqrt";
    for (float x : points) {
      if (positive_only && x <= 0) continue;
      const double want = act_reference(name, double(x));
      const double got = double(apply_act(f, x));
      // fp32 evaluation: a few ulp of the result, plus fp32 rounding of intermediate values
      // (e.g. x*x*x in gelu_apprx_tanh) near zero crossings.
      EXPECT_NEAR(got, want, 4e-7 * std::fabs(want) + 1e-7) << name << "(" << x << ")";
    }
  }
}

TEST(ApplyAct, HandComputedPoints) {
  EXPECT_EQ(apply_act(ActFunc::kRelu, -3.0f), 0.0f);
  EXPECT_EQ(apply_act(ActFunc::kRelu, 3.0f), 3.0f);
  EXPECT_EQ(apply_act(ActFunc::kSign, -0.25f), -1.0f);
  EXPECT_EQ(apply_act(ActFunc::kSign, 0.0f), 0.0f);
  EXPECT_EQ(apply_act(ActFunc::kSigmoid, 0.0f), 0.5f);
  EXPECT_EQ(apply_act(ActFunc::kGelu, 0.0f), 0.0f);
  EXPECT_EQ(apply_act(ActFunc::kRsqrt, 4.0f), 0.5f);
  EXPECT_EQ(apply_act(ActFunc::kReciprocal, 0.0f), kInf);
  EXPECT_EQ(apply_act(ActFunc::kSquare, -3.0f), 9.0f);
  // softplus stays finite for large inputs (no exp overflow): softplus(100) = 100.
  EXPECT_EQ(apply_act(ActFunc::kSoftplus, 100.0f), 100.0f);
  EXPECT_EQ(apply_act(ActFunc::kSoftplus, -200.0f), 0.0f);
  // gelu(x) -> x for large x; gelu(-large) -> 0.
  EXPECT_EQ(apply_act(ActFunc::kGelu, 10.0f), 10.0f);
}

}  // namespace
}  // namespace trnsim::isa
