// Semantics of max8, nc_find_index8 and nc_match_replace8, alone
// (hand-computed, with ties) and chained into a top-16 against a float64 sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "isa/dtype.h"
#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::mat;
using core_testing::set_num;
using core_testing::two_operand;
using core_testing::view_op;

constexpr float kInf = std::numeric_limits<float>::infinity();

Instruction find8_instr(const View& dst, const View& src, const View& vals) {
  Instruction ins = two_operand(Opcode::nc_find_index8, dst, src);
  ins.operand("vals") = view_op(vals);
  return ins;
}
Instruction replace8_instr(const View& dst, const View& src, const View& vals, double imm) {
  Instruction ins = two_operand(Opcode::nc_match_replace8, dst, src);
  ins.operand("vals") = view_op(vals);
  set_num(ins, "imm_value", imm);
  return ins;
}

const std::vector<float> kRow = {3, 9, 1, 9, 7, 2, 8, 5, 6, 4};

TEST(Max8Semantics, DescendingWithTies) {
  CoreBench b;
  View src = b.sbuf("src", 2, {10});
  View dst = b.sbuf("dst", 2, {8});
  std::vector<float> both = kRow;
  for (int i = 0; i < 10; ++i) both.push_back(float(-i));  // row 1: 0, -1, ..., -9
  b.fill(src, mat(2, 10, both));
  sem::max8(two_operand(Opcode::max8, dst, src), b.state());
  const Matrix r = b.get(dst);
  const float expect0[8] = {9, 9, 8, 7, 6, 5, 4, 3};
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(r(0, k), expect0[k]) << k;
    EXPECT_EQ(r(1, k), float(-k)) << k;
  }
}

TEST(FindIndex8Semantics, FirstOccurrenceAndRepeatedValues) {
  CoreBench b;
  View src = b.sbuf("src", 1, {10});
  View vals = b.sbuf("vals", 1, {8});
  View idx = b.sbuf("idx", 1, {8}, DType::kUint32);
  b.fill(src, mat(1, 10, kRow));
  b.fill(vals, mat(1, 8, {9, 9, 8, 7, 6, 5, 4, 3}));
  sem::nc_find_index8(find8_instr(idx, src, vals), b.state());
  const Matrix r = b.get(idx);
  // The two 9s (positions 1 and 3) go to the two repeated vals in ascending
  // order.
  const float expect[8] = {1, 3, 6, 4, 8, 7, 9, 0};
  for (int k = 0; k < 8; ++k) EXPECT_EQ(r(0, k), expect[k]) << k;
}

TEST(FindIndex8Semantics, TiesInDataGiveTheFirstOccurrence) {
  CoreBench b;
  View src = b.sbuf("src", 1, {10});
  View vals = b.sbuf("vals", 1, {8});
  View idx = b.sbuf("idx", 1, {8}, DType::kUint32);
  b.fill(src, mat(1, 10, {0, 2, 2, 2, 1, 1, 3, 3, 0, 4}));
  b.fill(vals, mat(1, 8, {4, 3, 2, 1, 0, 7, 7, 7}));
  sem::nc_find_index8(find8_instr(idx, src, vals), b.state());
  const Matrix r = b.get(idx);
  EXPECT_EQ(r(0, 0), 9.0f);
  EXPECT_EQ(r(0, 1), 6.0f);
  EXPECT_EQ(r(0, 2), 1.0f);
  EXPECT_EQ(r(0, 3), 4.0f);
  EXPECT_EQ(r(0, 4), 0.0f);
  // 7 is absent: all-ones sentinel.
  EXPECT_EQ(r(0, 5), decode(DType::kUint32, 0xFFFFFFFFu));
}

TEST(FindIndex8Semantics, MissingValueSentinelInUint16) {
  CoreBench b;
  View src = b.sbuf("src", 1, {8});
  View vals = b.sbuf("vals", 1, {8});
  View idx = b.sbuf("idx", 1, {8}, DType::kUint16);
  b.fill(src, mat(1, 8, {0, 1, 2, 3, 4, 5, 6, 7}));
  b.fill(vals, mat(1, 8, {7, 6, 5, 4, 3, 2, 1, 100}));
  sem::nc_find_index8(find8_instr(idx, src, vals), b.state());
  EXPECT_EQ(b.get(idx)(0, 0), 7.0f);
  EXPECT_EQ(b.get(idx)(0, 7), 65535.0f);
}

TEST(MatchReplace8Semantics, ReplacesOneCopyPerValue) {
  CoreBench b;
  View src = b.sbuf("src", 1, {10});
  View vals = b.sbuf("vals", 1, {8});
  View dst = b.sbuf("dst", 1, {10});
  b.fill(src, mat(1, 10, {5, 5, 5, 1, 2, 3, 4, 0, 9, 9}));
  b.fill(vals, mat(1, 8, {9, 5, 5, 4, 3, 2, 1, 100}));
  sem::nc_match_replace8(replace8_instr(dst, src, vals, -1.0), b.state());
  const Matrix r = b.get(dst);
  const float expect[10] = {-1, -1, 5, -1, -1, -1, -1, 0, -1, 9};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r(0, i), expect[i]) << i;
}

// top-16 = max8, find_index8, match_replace8(-inf), max8, find_index8 on the
// replaced data.
TEST(TopKSemantics, Top16ChainMatchesFloat64Sort) {
  constexpr int64_t P = 4, N = 64;
  CoreBench b;
  View src = b.sbuf("src", P, {N});
  View top_a = b.sbuf("top_a", P, {8});
  View top_b = b.sbuf("top_b", P, {8});
  View idx_a = b.sbuf("idx_a", P, {8}, DType::kUint32);
  View idx_b = b.sbuf("idx_b", P, {8}, DType::kUint32);
  View knocked = b.sbuf("knocked", P, {N});
  std::mt19937 gen(2024);
  std::uniform_int_distribution<int> small(0, 20);  // many ties on purpose
  Matrix x(P, N);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t f = 0; f < N; ++f) x(p, f) = float(small(gen)) * 0.25f;
  b.fill(src, x);
  sem::max8(two_operand(Opcode::max8, top_a, src), b.state());
  sem::nc_find_index8(find8_instr(idx_a, src, top_a), b.state());
  sem::nc_match_replace8(replace8_instr(knocked, src, top_a, -kInf), b.state());
  sem::max8(two_operand(Opcode::max8, top_b, knocked), b.state());
  sem::nc_find_index8(find8_instr(idx_b, knocked, top_b), b.state());
  const Matrix va = b.get(top_a), vb = b.get(top_b), ia = b.get(idx_a), ib = b.get(idx_b);
  for (int64_t p = 0; p < P; ++p) {
    std::vector<double> ref(N);
    for (int64_t f = 0; f < N; ++f) ref[f] = x(p, f);
    std::sort(ref.begin(), ref.end(), std::greater<double>());
    std::vector<bool> seen(N, false);
    for (int k = 0; k < 16; ++k) {
      const float v = k < 8 ? va(p, k) : vb(p, k - 8);
      const int64_t i = static_cast<int64_t>(k < 8 ? ia(p, k) : ib(p, k - 8));
      EXPECT_EQ(v, static_cast<float>(ref[k])) << p << " " << k;
      ASSERT_GE(i, 0);
      ASSERT_LT(i, N);
      EXPECT_EQ(x(p, i), v) << "index points at a different value";
      EXPECT_FALSE(seen[i]) << "index " << i << " returned twice";
      seen[i] = true;
    }
  }
}

}  // namespace
}  // namespace trnsim::isa
