// The scalar kernels shared by every instruction: ALU operators (isa/alu_ops.def), the ScalarE
// activation function table (isa/activation_functions.def) and reduction identities.
// All arithmetic is fp32 (the engines' internal precision); callers round on write.
// APPROX: transcendental functions use the host's fp32 libm (std::exp, std::erf, ...), not the
// ScalarE's lookup-table/polynomial implementation, so results may differ from hardware in the
// last bits; no input-range restrictions are modelled.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "isa/error.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa {
namespace {

// Bitwise operands: the value converted to int32 as a write into an int32 tile would (round to
// nearest even, saturate, NaN -> 0).
int32_t to_int32(float v) { return int32_t(encode(DType::kInt32, v)); }

float shift_left(int32_t a, int32_t count) {
  if (count < 0 || count > 31) return 0.0f;
  return float(int32_t(uint32_t(a) << count));
}

// Arithmetic (sign-filling) right shift; counts >= 32 leave only the sign.
float shift_right(int32_t a, int32_t count) {
  if (count < 0) return 0.0f;
  if (count > 31) return a < 0 ? -1.0f : 0.0f;
  return float(a >> count);
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

float apply_alu(AluOp op, float a, float b) {
  switch (op) {
    case AluOp::kAdd:
      return a + b;
    case AluOp::kSubtract:
      return a - b;
    case AluOp::kMultiply:
      return a * b;
    case AluOp::kDivide:
      return a / b;  // IEEE: x/0 = +-Inf, 0/0 = NaN
    case AluOp::kMax:
      return std::fmax(a, b);  // a NaN operand yields the other operand
    case AluOp::kMin:
      return std::fmin(a, b);
    case AluOp::kPower:
      return std::pow(a, b);
    case AluOp::kAbsMax:
      return std::fmax(std::fabs(a), std::fabs(b));
    case AluOp::kBypass:
      return a;  // passes the left operand through (NKI nl.bypass)
    case AluOp::kEqual:
      return a == b ? 1.0f : 0.0f;
    case AluOp::kNotEqual:
      return a != b ? 1.0f : 0.0f;
    case AluOp::kGreater:
      return a > b ? 1.0f : 0.0f;
    case AluOp::kGreaterEqual:
      return a >= b ? 1.0f : 0.0f;
    case AluOp::kLess:
      return a < b ? 1.0f : 0.0f;
    case AluOp::kLessEqual:
      return a <= b ? 1.0f : 0.0f;
    case AluOp::kBitwiseAnd:
      return float(to_int32(a) & to_int32(b));
    case AluOp::kBitwiseOr:
      return float(to_int32(a) | to_int32(b));
    case AluOp::kBitwiseXor:
      return float(to_int32(a) ^ to_int32(b));
    case AluOp::kLeftShift:
      return shift_left(to_int32(a), to_int32(b));
    case AluOp::kRightShift:
      return shift_right(to_int32(a), to_int32(b));
  }
  throw Error("functional plane: unknown ALU operator " + std::to_string(int(op)));
}

float apply_act(ActFunc f, float x) {
  constexpr float kSqrt1_2 = 0.70710678118654752440f;
  constexpr float kSqrt2OverPi = 0.79788456080286535588f;
  switch (f) {
    case ActFunc::kIdentity:
    case ActFunc::kCopy:
      return x;
    case ActFunc::kExp:
      return std::exp(x);
    case ActFunc::kLog:
      return std::log(x);
    case ActFunc::kSilu:
      return x * sigmoid(x);
    case ActFunc::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * kSqrt1_2));
    case ActFunc::kGeluTanh:
      return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
    case ActFunc::kSigmoid:
      return sigmoid(x);
    case ActFunc::kTanh:
      return std::tanh(x);
    case ActFunc::kRelu:
      return std::fmax(x, 0.0f);  // relu(NaN) = 0
    case ActFunc::kSquare:
      return x * x;
    case ActFunc::kSqrt:
      return std::sqrt(x);
    case ActFunc::kRsqrt:
      return 1.0f / std::sqrt(x);
    case ActFunc::kReciprocal:
      return 1.0f / x;
    case ActFunc::kSin:
      return std::sin(x);
    case ActFunc::kCos:
      return std::cos(x);
    case ActFunc::kAbs:
      return std::fabs(x);
    case ActFunc::kSign:
      return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);  // sign(+-0) = +-0, sign(NaN) = NaN
    case ActFunc::kErf:
      return std::erf(x);
    case ActFunc::kSoftplus:
      // log(1 + e^x) without overflow: x + log(1 + e^-x) for positive x.
      return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  throw Error("functional plane: unknown activation function " + std::to_string(int(f)));
}

float reduce_identity(AluOp op) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (op) {
    case AluOp::kAdd:
    case AluOp::kAbsMax:
    case AluOp::kBitwiseOr:
    case AluOp::kBitwiseXor:
      return 0.0f;
    case AluOp::kMultiply:
      return 1.0f;
    case AluOp::kMax:
      return -kInf;
    case AluOp::kMin:
      return kInf;
    case AluOp::kBitwiseAnd:
      return -1.0f;  // int32 all ones
    default:
      throw Error("functional plane: '" + std::string(alu_name(op)) +
                  "' is not a reduction operator (add, multiply, maximum, minimum, abs_max, "
                  "bitwise_and, bitwise_or, bitwise_xor)");
  }
}

}  // namespace trnsim::isa
