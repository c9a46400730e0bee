// nc_matmul writes a dense fp32 dst (a PSUM tile) in place and any other dst through a dense
// result and the rounding write: both paths give the same values, with and without accumulate.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/isa/semantics_core_bench.h"

namespace trnsim::isa {
namespace {

using core_testing::CoreBench;
using core_testing::random_matrix;
using core_testing::set_num;
using core_testing::slice;
using core_testing::view_op;

Instruction matmul(const View& dst, const View& stationary, const View& moving, bool acc) {
  Instruction ins = make_instruction(Opcode::nc_matmul);
  ins.operand("dst") = view_op(dst);
  ins.operand("stationary") = view_op(stationary);
  ins.operand("moving") = view_op(moving);
  set_num(ins, "accumulate", acc ? 1 : 0);
  return ins;
}

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(NcMatmulDstPaths, InPlacePsumStridedPsumAndBf16SbufAgree) {
  constexpr int K = 33, M = 19, N = 45;
  CoreBench b;
  View s = b.sbuf("s", K, {M}, DType::kBf16);
  View m = b.sbuf("m", K, {N}, DType::kBf16);
  View dense = b.psum("dense", M, {N});           // in place
  View wide = b.psum("wide", M, {2 * N});         // every other element: generic path
  View narrow = b.sbuf("narrow", M, {N}, DType::kBf16);  // rounding write
  const View strided = slice(wide, {{0, M, 1}, {1, 2 * N, 2}});
  b.fill(s, random_matrix(K, M, 5, -2, 2));
  b.fill(m, random_matrix(K, N, 6, -2, 2));
  const Matrix held = random_matrix(M, N, 7, -50, 50);
  for (const View& d : {dense, strided}) b.fill(d, held);
  b.fill(narrow, held);
  for (bool acc : {true, false, true}) {
    const Matrix narrow_before = b.get(narrow);
    for (const View& d : {dense, strided, narrow}) execute(matmul(d, s, m, acc), b.state());
    const Matrix got_dense = b.get(dense), got_strided = b.get(strided), got_narrow = b.get(narrow);
    // The bf16 dst: the fp32 sum (plus its own rounded held value) rounded to bf16.
    const Matrix sum_only = [&] {
      CoreBench c;
      View cs = c.sbuf("s", K, {M}, DType::kBf16), cm = c.sbuf("m", K, {N}, DType::kBf16);
      View cd = c.psum("d", M, {N});
      c.fill(cs, b.get(s));
      c.fill(cm, b.get(m));
      execute(matmul(cd, cs, cm, false), c.state());
      return c.get(cd);
    }();
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        ASSERT_EQ(bits(got_dense(i, j)), bits(got_strided(i, j))) << i << "," << j;
        const float want = acc ? sum_only(i, j) + narrow_before(i, j) : sum_only(i, j);
        ASSERT_EQ(bits(got_narrow(i, j)), bits(round_to(DType::kBf16, want))) << i << "," << j;
        if (!acc) {
          ASSERT_EQ(bits(got_dense(i, j)), bits(sum_only(i, j)));
        }
      }
  }
  // The even elements of the wide tile, which the strided view skips, stay zero.
  const Matrix gaps = b.get(slice(wide, {{0, M, 1}, {0, 2 * N, 2}}));
  EXPECT_TRUE((gaps == 0.0f).all());
}

}  // namespace
}  // namespace trnsim::isa
