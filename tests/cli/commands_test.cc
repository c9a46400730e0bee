// One test per mode of the other commands: nki, rank (+ merge), kernels, kernel-trace, model
// (timing and --values), compare, bench, isa, schema.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "isa/npy.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

void expect_has(const CommandResult& r, const std::string& text) {
  EXPECT_NE(r.output.find(text), std::string::npos) << "expected '" << text << "' in:\n"
                                                    << r.output;
}

void write_f32(const std::string& path, std::vector<int64_t> shape, float start, float step) {
  isa::NpyArray a;
  a.descr = "<f4";
  a.shape = std::move(shape);
  std::vector<float> v(a.elements());
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + step * float(i % 1000);
  a.data.resize(v.size() * 4);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  isa::write_npy(path, a);
}

TEST(CliNki, RunsAnExampleKernelAndWritesItsResults) {
  TempDir d;
  write_f32(d / "a.npy", {256, 1024}, 0.5f, 0.25f);
  write_f32(d / "b.npy", {256, 1024}, -1.0f, 0.125f);
  const CommandResult r = trnsim_in(
      d, "nki " + source_path("kernels/nki/examples/tensor_add.py") +
             "::tensor_add --input a_input=a.npy --input b_input=b.npy --grid 2,2 --out k");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(exists(d / "k/trace.json"));
  EXPECT_TRUE(read_json(d / "k/stats.json").at("total_ns").get<double>() > 0);
  const isa::NpyArray out = isa::read_npy(d / "k/outputs/out.npy");
  const isa::NpyArray a = isa::read_npy(d / "a.npy"), b = isa::read_npy(d / "b.npy");
  ASSERT_EQ(out.elements(), a.elements());
  for (int64_t i = 0; i < a.elements(); i += 331) {
    float x, y, z;
    std::memcpy(&x, &a.data[4 * i], 4);
    std::memcpy(&y, &b.data[4 * i], 4);
    std::memcpy(&z, &out.data[4 * i], 4);
    EXPECT_FLOAT_EQ(z, x + y) << i;
  }
}

TEST(CliNki, DumpWritesATileAfterALineOncePerRun) {
  TempDir d;
  write_f32(d / "a.npy", {256, 1024}, 0.5f, 0.25f);
  write_f32(d / "b.npy", {256, 1024}, -1.0f, 0.125f);
  // tensor_add.py line 15: c_tile = a_tile + b_tile; the 2x2 grid runs it four times.
  const CommandResult r = trnsim_in(
      d, "nki " + source_path("kernels/nki/examples/tensor_add.py") +
             "::tensor_add --input a_input=a.npy --input b_input=b.npy --grid 2,2 --out k "
             "--values-only --dump c_tile@tensor_add.py:15");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "dump: k/dumps/c_tile@tensor_add.py-15.3.npy");
  // Run 1 is program (0, 1): rows 0..127, columns 512..1023.
  const isa::NpyArray c = isa::read_npy(d / "k/dumps/c_tile@tensor_add.py-15.1.npy");
  const isa::NpyArray a = isa::read_npy(d / "a.npy"), b = isa::read_npy(d / "b.npy");
  ASSERT_EQ(c.shape, (std::vector<int64_t>{128, 512}));
  for (int64_t row = 0; row < 128; row += 37) {
    for (int64_t col = 0; col < 512; col += 101) {
      const int64_t src = row * 1024 + 512 + col;
      float x, y, z;
      std::memcpy(&x, &a.data[4 * src], 4);
      std::memcpy(&y, &b.data[4 * src], 4);
      std::memcpy(&z, &c.data[4 * (row * 512 + col)], 4);
      EXPECT_FLOAT_EQ(z, x + y) << row << "," << col;
    }
  }
  const CommandResult bad = trnsim_in(
      d, "nki " + source_path("kernels/nki/examples/tensor_add.py") +
             "::tensor_add --input a_input=a.npy --input b_input=b.npy --grid 2,2 --out k2 "
             "--dump c_tile@tensor_add.py:2");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  expect_has(bad, "--dump c_tile@tensor_add.py:2: line 2 of tensor_add.py never ran");
}

TEST(CliNki, WarnsOfAReadOfANeverWrittenTileAtItsLine) {
  TempDir d;
  {
    std::ofstream k(d / "k.py");
    k << "import nki\nimport nki.language as nl\n\n\n"
         "def k(a):\n"
         "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
         "    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)\n"
         "    nl.store(out, value=nl.add(t, 1.0))\n"
         "    return out\n";
  }
  write_f32(d / "a.npy", {128, 64}, 0.0f, 1.0f);
  const CommandResult r =
      trnsim_in(d, "nki k.py::k --input a=a.npy --timing-only --out r 2>&1 >/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "k.py:8: KernelWarning: tensor_scalar reads t[0:128, 0:64] (tile allocated at "
                "k.py:7), which nothing wrote before");
  const CommandResult quiet = trnsim_in(d, "nki k.py::k --input a=a.npy --timing-only --out r -q");
  EXPECT_EQ(quiet.output, "");
}

TEST(CliNki, HelpListsTheFrontEndOptions) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "nki --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "--input");
  expect_has(r, "--timing-only");
}

TEST(CliNki, BadPythonIsNamed) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "nki --python /no/such/python x.py::f --out k");
  EXPECT_NE(r.exit_code, 0);
  expect_has(r, "/no/such/python");
}

TEST(CliRank, RanksVariantsAndMergesShards) {
  TempDir d;
  const std::string common = "rank rmsnorm --shape rows=128,cols=512 --grid bufs=1,2 ";
  const CommandResult all = trnsim_in(d, common + "--out all");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  expect_has(all, "scalar_fused");
  expect_has(all, "vector_stats");
  const nlohmann::json full = read_json(d / "all/rank.json");
  ASSERT_EQ(trnsim_in(d, common + "--shard 0/2 --out s0").exit_code, 0);
  ASSERT_EQ(trnsim_in(d, common + "--shard 1/2 --out s1").exit_code, 0);
  const CommandResult merged = trnsim_in(d, "rank merge s0/rank.json s1/rank.json --out m");
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_TRUE(exists(d / "m/rank.csv"));
  EXPECT_EQ(read_json(d / "m/rank.json").at("points"), full.at("points"));
}

TEST(CliRank, UnknownParameterIsAnError) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "rank rmsnorm --shape m=128 --out r");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_has(r, "no point ran");
  expect_has(r, "unknown parameter 'm'");
}

TEST(CliKernels, ListsTheLibraryAndExportsARunnableTrace) {
  TempDir d;
  const CommandResult list = trnsim_in(d, "kernels");
  ASSERT_EQ(list.exit_code, 0);
  expect_has(list, "matmul:");
  const CommandResult exp =
      trnsim_in(d, "kernel-trace softmax --shape rows=128,cols=256 --out sm.json");
  ASSERT_EQ(exp.exit_code, 0) << exp.output;
  const CommandResult run = trnsim_in(d, "run sm.json --timing-only --out r");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_has(run, "softmax");
}

TEST(CliModel, TimesAShippedModel) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "model llama-3.2-1b --prompt-len 16 --gen 2 --summary");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "TTFT");
  expect_has(r, "tokens/s");
}

TEST(CliModel, ValuesModeChecksAgainstTheReference) {
  TempDir d;
  const CommandResult r = trnsim_in(
      d, "model llama-3.2-1b --prompt-len 8 --gen 1 --values --values-layers 1 "
         "--values-vocab 64 --summary");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "values");
}

TEST(CliCompare, PutsTwoRunsSideBySide) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "run --timing-only --target trn1 --out a -q").exit_code, 0);
  ASSERT_EQ(trnsim_in(d, "run --timing-only --target trn2 --out b -q").exit_code, 0);
  const CommandResult r = trnsim_in(d, "compare a b");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "total");
  const CommandResult missing = trnsim_in(d, "compare a nowhere");
  EXPECT_NE(missing.exit_code, 0);
  expect_has(missing, "nowhere");
}

TEST(CliBench, MeasuresTheSimulator) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "bench -n 2000 --values-instructions 200");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "instructions/s");
  expect_has(r, "wait() calls");
  expect_has(r, "peak memory");
}

bool is_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in && std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0;
}

TEST(CliPlot, DrawsTheTimelineAsPng) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "run --timing-only --out r -q").exit_code, 0);
  const CommandResult r = trnsim_in(d, "plot r");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "wrote r/timeline.png");
  EXPECT_TRUE(is_png(d / "r/timeline.png"));
  const CommandResult named = trnsim_in(d, "plot r -o pic.png");
  ASSERT_EQ(named.exit_code, 0) << named.output;
  EXPECT_TRUE(is_png(d / "pic.png"));
}

TEST(CliPlot, ReadsACompressedTimeline) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "run --timing-only --timeline json.gz --out z -q").exit_code, 0);
  ASSERT_TRUE(exists(d / "z/timeline.json.gz"));
  const CommandResult r = trnsim_in(d, "plot z");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(is_png(d / "z/timeline.png"));
}

TEST(CliPlot, FolderWithoutTimelineIsNamed) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "run --values-only --out v -q").exit_code, 0);
  const CommandResult r = trnsim_in(d, "plot v");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_has(r, "v has no timeline.json");
  const CommandResult missing = trnsim_in(d, "plot nowhere");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  expect_has(missing, "nowhere: no such results folder");
}

TEST(CliReference, IsaAndSchemaPrintTheirReferences) {
  TempDir d;
  const CommandResult isa = trnsim_in(d, "isa");
  ASSERT_EQ(isa.exit_code, 0);
  expect_has(isa, "nc_matmul");
  expect_has(isa, "Activation functions");
  const CommandResult schema = trnsim_in(d, "schema");
  ASSERT_EQ(schema.exit_code, 0);
  expect_has(schema, "instructions");
}

}  // namespace
}  // namespace trnsim::cli::testing
