// local_gather and sequence_bounds: values against references computed here
// from the NKI reference's numpy equivalents (per-core index lists flattened in
// order 'F'; start and exclusive end of each segment, padding n / -1),
// bit-exact gathers of narrow dtypes, run-time errors for undefined inputs, and
// the validator's checks of the documented constraints.
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
using core_testing::view_op;

Instruction local_gather_ins(const View &dst, const View &src,
                             const View &index, int64_t k, int64_t valid) {
  Instruction ins = make_instruction(Opcode::local_gather);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  ins.operand("index") = view_op(index);
  set_num(ins, "num_elem_per_idx", double(k));
  if (valid > 0)
    set_num(ins, "num_valid_indices", double(valid));
  return ins;
}

std::string error_of(const Instruction &ins, MachineState &st) {
  try {
    execute(ins, st);
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

Matrix random_indices(int64_t rows, int64_t cols, int high, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> pick(0, high - 1);
  Matrix m(rows, cols);
  for (int64_t i = 0; i < rows * cols; ++i)
    m(i / cols, i % cols) = float(pick(gen));
  return m;
}

// The reference's example: src [128, 512, 4], index [128, 4] (different indices
// on every core), k = 4, 50 valid indices per core (not a multiple of 16).
TEST(LocalGatherSemantics, EachCoreGathersItsFlattenedIndicesForItsPartitions) {
  constexpr int64_t P = 128, M = 512, K = 4, F = 4, V = 50;
  CoreBench b;
  View src = b.sbuf("src", P, {M, K});
  View index = b.sbuf("index", P, {F}, DType::kUint16);
  View dst = b.sbuf("dst", P, {V, K});
  const Matrix x = random_matrix(P, M * K, 3, -100.0f, 100.0f);
  const Matrix ix = random_indices(P, F, int(M), 9);
  b.fill(src, x);
  b.fill(index, ix);
  execute(local_gather_ins(dst, src, index, K, V), b.state());
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p) {
    const int64_t core = p / 16;
    for (int64_t j = 0; j < V; ++j) {
      // indices_1d = index[16c:16c+16].flatten(order='F'): partition fastest.
      const int64_t i = int64_t(ix(core * 16 + j % 16, j / 16));
      for (int64_t e = 0; e < K; ++e)
        ASSERT_EQ(double(r(p, j * K + e)), double(x(p, i * K + e)))
            << p << " " << j << " " << e;
    }
  }
}

// A 3-D index [32, 2, 3] flattens in order 'F' over all its dims: j = q + 16*(a
// + 2*b).
TEST(LocalGatherSemantics, ThreeDimensionalIndexFlattensColumnMajor) {
  constexpr int64_t P = 32, N = 40;
  CoreBench b;
  View src = b.sbuf("src", P, {N});
  View index = b.sbuf("index", P, {2, 3}, DType::kUint16);
  View dst = b.sbuf("dst", P, {96});
  const Matrix x = random_matrix(P, N, 4, -5.0f, 5.0f);
  const Matrix ix = random_indices(P, 6, int(N), 10); // C order: column a*3 + b
  b.fill(src, x);
  b.fill(index, ix);
  execute(local_gather_ins(dst, src, index, 1, 0),
          b.state()); // default: all 96 per core
  const Matrix r = b.get(dst);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t j = 0; j < 96; ++j) {
      const int64_t q = j % 16, a = (j / 16) % 2, c = (j / 16) / 2;
      const int64_t i = int64_t(ix((p / 16) * 16 + q, a * 3 + c));
      ASSERT_EQ(double(r(p, j)), double(x(p, i))) << p << " " << j;
    }
}

TEST(LocalGatherSemantics, NarrowDtypesMoveTheirBitsUnchanged) {
  constexpr int64_t P = 16, N = 64, K = 8, V = 5;
  CoreBench b;
  View src = b.sbuf("src", P, {N}, DType::kBf16);
  View index = b.sbuf("index", P, {1}, DType::kUint16);
  View dst = b.sbuf("dst", P, {V * K}, DType::kBf16);
  b.fill(src, random_matrix(P, N, 6, -3.0f, 3.0f));
  b.fill(index, mat(16, 1, {7, 0, 3, 1, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
  execute(local_gather_ins(dst, src, index, K, V), b.state());
  const std::vector<uint32_t> in = b.state().read_bits(src);
  const std::vector<uint32_t> got = b.state().read_bits(dst);
  const int64_t groups[V] = {7, 0, 3, 1, 5};
  for (int64_t p = 0; p < P; ++p)
    for (int64_t j = 0; j < V; ++j)
      for (int64_t e = 0; e < K; ++e)
        ASSERT_EQ(got[size_t(p * V * K + j * K + e)],
                  in[size_t(p * N + groups[j] * K + e)]);
}

TEST(LocalGatherSemantics, IndexPastSrcIsARunTimeError) {
  CoreBench b;
  View src = b.sbuf("src", 16, {64});
  View index = b.sbuf("index", 16, {1}, DType::kUint16);
  View dst = b.sbuf("dst", 16, {4 * 16});
  Matrix ix = Matrix::Zero(16, 1);
  ix(3, 0) = 16; // groups of 4: 0..15 exist
  b.fill(index, ix);
  const std::string msg =
      error_of(local_gather_ins(dst, src, index, 4, 0), b.state());
  for (const char *s :
       {"local_gather", "index 16", "valid index 3", "64 elements"})
    EXPECT_NE(msg.find(s), std::string::npos)
        << "'" << s << "' not in: " << msg;
}

// ---- sequence_bounds ----
Instruction sequence_bounds_ins(const View &dst, const View &ids) {
  Instruction ins = make_instruction(Opcode::sequence_bounds);
  ins.operand("dst") = view_op(dst);
  ins.operand("segment_ids") = view_op(ids);
  return ins;
}

// Start and exclusive end of each element's segment, padding (0) -> (n, -1), in
// double.
std::vector<double> reference_bounds(const std::vector<double> &ids) {
  const int64_t n = int64_t(ids.size());
  std::vector<double> out(size_t(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    if (ids[size_t(i)] == 0) {
      out[size_t(i)] = double(n);
      out[size_t(n + i)] = -1;
      continue;
    }
    int64_t s = i, e = i + 1;
    while (s > 0 && ids[size_t(s - 1)] == ids[size_t(i)])
      --s;
    while (e < n && ids[size_t(e)] == ids[size_t(i)])
      ++e;
    out[size_t(i)] = double(s);
    out[size_t(n + i)] = double(e);
  }
  return out;
}

TEST(SequenceBoundsSemantics, ReferenceExample) {
  CoreBench b;
  View ids = b.sbuf("ids", 1, {9}, DType::kInt32);
  View dst = b.sbuf("dst", 1, {2, 9}, DType::kInt32);
  b.fill(ids, mat(1, 9, {0, 1, 1, 2, 2, 2, 0, 3, 3}));
  execute(sequence_bounds_ins(dst, ids), b.state());
  const Matrix r = b.get(dst);
  const std::vector<float> want = {9,  1, 1, 3, 3, 3, 9,  7, 7,
                                   -1, 3, 3, 6, 6, 6, -1, 9, 9};
  for (int64_t i = 0; i < 18; ++i)
    EXPECT_EQ(r(0, i), want[size_t(i)]) << i;
}

TEST(SequenceBoundsSemantics,
     SortedRandomSegmentsWithPaddingMatchTheReference) {
  constexpr int64_t N = 700;
  std::mt19937 gen(21);
  std::uniform_int_distribution<int> step(0, 3), pad(0, 9);
  std::vector<double> ids(N);
  double id = 1;
  for (int64_t i = 0; i < N; ++i) {
    id += step(gen) == 0 ? 1 : 0;
    ids[size_t(i)] =
        pad(gen) == 0 ? 0 : id; // padding scattered between segments
  }
  ids[N - 1] = 0; // padding at the end: end index -1, start n
  CoreBench b;
  View in = b.sbuf("ids", 1, {N});
  View dst = b.sbuf("dst", 1, {2, N});
  Matrix m(1, N);
  for (int64_t i = 0; i < N; ++i)
    m(0, i) = float(ids[size_t(i)]);
  b.fill(in, m);
  execute(sequence_bounds_ins(dst, in), b.state());
  const Matrix r = b.get(dst);
  const std::vector<double> want = reference_bounds(ids);
  for (int64_t i = 0; i < 2 * N; ++i)
    ASSERT_EQ(double(r(0, i)), want[size_t(i)]) << i;
}

// int32 ids are compared exactly: 2^24 and 2^24 + 1 (equal in fp32) are two
// segments.
TEST(SequenceBoundsSemantics, Int32IdsAreComparedExactly) {
  CoreBench b;
  View ids = b.sbuf("ids", 1, {4}, DType::kInt32);
  View dst = b.sbuf("dst", 1, {8});
  b.state().write_bits(ids, {16777216u, 16777216u, 16777217u, 16777217u});
  execute(sequence_bounds_ins(dst, ids), b.state());
  const Matrix r = b.get(dst);
  const std::vector<float> want = {0, 0, 2, 2, 2, 2, 4, 4};
  for (int64_t i = 0; i < 8; ++i)
    EXPECT_EQ(r(0, i), want[size_t(i)]) << i;
}

TEST(SequenceBoundsSemantics, NegativeOrFractionalIdIsARunTimeError) {
  for (float bad : {-1.0f, 2.5f}) {
    CoreBench b;
    View ids = b.sbuf("ids", 1, {3});
    View dst = b.sbuf("dst", 1, {6});
    b.fill(ids, mat(1, 3, {1, bad, 1}));
    const std::string msg = error_of(sequence_bounds_ins(dst, ids), b.state());
    for (const char *s :
         {"sequence_bounds", "segment_ids[0, 1]", "non-negative integer"})
      EXPECT_NE(msg.find(s), std::string::npos)
          << "'" << s << "' not in: " << msg;
  }
}

// ---- static checks ----
nlohmann::json trace_with(const nlohmann::json &instruction) {
  auto tile = [](const char *name, const char *memory, int p,
                 std::vector<int> shape, const char *dtype) {
    return nlohmann::json{{"name", name},
                          {"memory", memory},
                          {"partitions", p},
                          {"shape", shape},
                          {"dtype", dtype}};
  };
  nlohmann::json j = {
      {"format", "trnsim-trace"}, {"version", 1}, {"name", "gpsimd"}};
  j["tensors"] = nlohmann::json::array();
  j["tiles"] = {tile("src", "sbuf", 128, {512, 4}, "float32"),
                tile("srcb", "sbuf", 128, {512, 4}, "bfloat16"),
                tile("idx", "sbuf", 128, {4}, "uint16"),
                tile("idx32", "sbuf", 128, {4}, "uint32"),
                tile("bigidx", "sbuf", 128, {257}, "uint16"),
                tile("out", "sbuf", 128, {64, 4}, "float32"),
                tile("outp", "psum", 128, {64, 4}, "float32"),
                tile("seg", "sbuf", 1, {9}, "int32"),
                tile("segb", "sbuf", 1, {9}, "bfloat16"),
                tile("seg2", "sbuf", 2, {9}, "float32"),
                tile("bounds", "sbuf", 1, {2, 9}, "int32")};
  j["instructions"] =
      nlohmann::json::array({instruction}); // clang: {x} copies x
  return j;
}

std::string validate_error(const std::string &instruction) {
  Program p = program_from_json(trace_with(nlohmann::json::parse(instruction)));
  CoreLimits l;
  l.partitions = 128;
  l.sbuf_partition_bytes = 192 * 1024;
  l.psum_partition_bytes = 16 * 1024;
  l.psum_bank_bytes = 2 * 1024;
  l.dma_queues = 16;
  try {
    validate(p, l);
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

TEST(GpsimdGatherValidate, WellFormedInstructionsPass) {
  EXPECT_EQ(validate_error(R"({"op": "local_gather", "dst": "out", "src": "src",
                              "index": "idx", "num_elem_per_idx": 4})"),
            "");
  EXPECT_EQ(
      validate_error(R"({"op": "local_gather", "dst": "out[16:48, 0:10, :]",
                              "src": "src[16:48, :, :]", "index": "idx[16:48, :]",
                              "num_elem_per_idx": 4, "num_valid_indices": 10})"),
      "");
  EXPECT_EQ(validate_error(R"({"op": "sequence_bounds", "dst": "bounds",
                              "segment_ids": "seg"})"),
            "");
}

TEST(GpsimdGatherValidate, BrokenConstraintsAreNamed) {
  struct Case {
    const char *instruction;
    std::vector<const char *> words;
  };
  const std::vector<Case> cases = {
      {R"({"op": "local_gather", "dst": "out", "src": "src", "index": "idx32",
           "num_elem_per_idx": 4})",
       {"idx32", "uint32", "indices are uint16"}},
      {R"({"op": "local_gather", "dst": "out", "src": "src", "index": "idx",
           "num_elem_per_idx": 3})",
       {"attribute 'num_elem_per_idx'", "1, 2, 4, 8, 16, 32"}},
      {R"({"op": "local_gather", "dst": "out[0:24, :, :]", "src": "src[0:24, :, :]",
           "index": "idx[0:24, :]", "num_elem_per_idx": 4})",
       {"24 partitions", "multiple of 16"}},
      {R"({"op": "local_gather", "dst": "out", "src": "src", "index": "bigidx",
           "num_elem_per_idx": 1})",
       {"4112 indices per GpSimd core", "at most 4096"}},
      {R"({"op": "local_gather", "dst": "out[:, 0:32, :]", "src": "src", "index": "idx",
           "num_elem_per_idx": 4})",
       {"dst", "128 partitions x 256 elements"}},
      {R"({"op": "local_gather", "dst": "out", "src": "srcb", "index": "idx",
           "num_elem_per_idx": 4})",
       {"dst", "keeps src's dtype bfloat16"}},
      {R"({"op": "local_gather", "dst": "outp", "src": "src", "index": "idx",
           "num_elem_per_idx": 4})",
       {"outp", "PSUM", "cannot access PSUM"}},
      {R"({"op": "local_gather", "dst": "out", "src": "src", "index": "idx",
           "num_elem_per_idx": 4, "num_valid_indices": 65})",
       {"attribute 'num_valid_indices'", "1..64"}},
      {R"({"op": "local_gather", "dst": "out[8:24, :, :]", "src": "src[8:24, :, :]",
           "index": "idx[8:24, :]", "num_elem_per_idx": 4})",
       {"partitions 8:24:1", "starting at a multiple of 16"}},
      {R"({"op": "local_gather", "dst": "out[0:16, :, :]", "src": "src[0:16, :, :]",
           "index": "idx[16:32, :]", "num_elem_per_idx": 4})",
       {"index", "same partitions"}},
      {R"({"op": "sequence_bounds", "dst": "bounds", "segment_ids": "segb"})",
       {"segb", "bfloat16", "float32 or int32"}},
      {R"({"op": "sequence_bounds", "dst": "bounds", "segment_ids": "seg2"})",
       {"2 partitions", "needs 1"}},
      {R"({"op": "sequence_bounds", "dst": "bounds[:, :, 0:8]", "segment_ids": "seg"})",
       {"dst", "[1, 2, n]", "18 elements"}},
  };
  for (const Case &c : cases) {
    const std::string msg = validate_error(c.instruction);
    for (const char *w : c.words)
      EXPECT_NE(msg.find(w), std::string::npos)
          << "'" << w << "' not in: " << msg;
  }
}

} // namespace
} // namespace trnsim::isa
