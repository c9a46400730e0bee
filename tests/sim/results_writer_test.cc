// The results folder: stats.json, timeline.json, config.json and outputs/*.npy.
#include "sim/stats/results_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "isa/error.h"
#include "isa/npy.h"
#include "tests/sim/results_fixture.h"
#include "tests/temp_dir.h"

namespace trnsim::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& p) {
  std::ifstream is(p);
  return json::parse(is);
}

class ResultsWriter : public ::testing::Test {
 protected:
  // Storage bytes of every tensor; y (fp32) holds 0, 1, 2, ...
  std::vector<std::vector<uint8_t>> images() const {
    std::vector<std::vector<uint8_t>> out;
    for (const isa::HbmTensor& t : prog.tensors) out.emplace_back(size_t(t.bytes()), 0);
    std::vector<uint8_t>& y = out[2];
    for (int64_t i = 0; i < prog.tensors[2].elements(); ++i) {
      const float v = float(i);
      std::memcpy(y.data() + 4 * i, &v, 4);
    }
    return out;
  }
  trnsim::testing::TempDir tmp;
  fs::path root = tmp.path();
  isa::Program prog = testing::results_test_program();
  HwConfig cfg = testing::results_test_config();
  RunResult run = testing::results_test_run();
};

TEST_F(ResultsWriter, WritesStatsTimelineAndConfig) {
  const Stats stats = compute_stats(prog, run, cfg);
  write_results((root / "nested" / "run").string(), prog, run, cfg, stats);
  const fs::path dir = root / "nested" / "run";
  const json s = read_json(dir / "stats.json");
  EXPECT_EQ(s, stats_to_json(stats));
  EXPECT_EQ(read_json(dir / "config.json"), cfg.source);
  const json t = read_json(dir / "timeline.json");
  int slices = 0;
  for (const json& e : t["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_EQ(slices, 6);
  EXPECT_FALSE(fs::exists(dir / "outputs"));  // no values: no tensors
}

// The streamed text is dump(2) of the document, with no tile, one tile and many tiles (plain
// names, and names with quotes, a backslash, UTF-8 and an invalid byte, which both replace).
TEST_F(ResultsWriter, StreamedStatsAreTheDocumentsText) {
  Stats stats = compute_stats(prog, run, cfg);
  ASSERT_FALSE(stats.memory.tiles.empty());
  const TileUse tile = stats.memory.tiles[0];
  for (size_t count : {size_t(0), size_t(1), size_t(1000)}) {
    stats.memory.tiles.clear();
    for (size_t k = 0; k < count; ++k) {
      TileUse t = tile;
      t.name = k % 3 == 0 ? "tile_" + std::to_string(k)
                          : "t\"" + std::to_string(k) + "\\ \xc3\xbc" + (k % 7 == 3 ? "\xff" : "");
      t.address = int64_t(k) * 256;
      t.start_ns = 0.1 * double(k);
      t.end_ns = k == 5 ? std::nan("") : k == 6 ? -std::numeric_limits<double>::infinity()
                                                 : 1e17 + double(k);
      stats.memory.tiles.push_back(t);
    }
    std::ostringstream os;
    write_stats_json(os, stats);
    EXPECT_EQ(os.str(), stats_to_json(stats).dump(2, ' ', false, json::error_handler_t::replace))
        << count << " tiles";
  }
}

TEST_F(ResultsWriter, OutputTensorsAsNpy) {
  const auto imgs = images();
  const auto get = [&imgs](int i) -> const std::vector<uint8_t>& { return imgs[i]; };
  write_output_tensors((root / "outputs").string(), prog, get, false);
  EXPECT_FALSE(fs::exists(root / "outputs" / "x.npy"));  // input, not asked for
  const isa::NpyArray y = isa::read_npy((root / "outputs" / "y.npy").string());
  EXPECT_EQ(y.descr, "<f4");
  EXPECT_EQ(y.shape, (std::vector<int64_t>{128, 512}));
  float last = 0;
  std::memcpy(&last, y.data.data() + y.data.size() - 4, 4);
  EXPECT_EQ(last, 128 * 512 - 1);

  write_output_tensors((root / "all").string(), prog, get, true);
  const isa::NpyArray x = isa::read_npy((root / "all" / "x.npy").string());
  EXPECT_EQ(x.shape, (std::vector<int64_t>{128, 512}));
  EXPECT_EQ(x.descr, "<f4");  // bf16 written as the float32 values it holds
  EXPECT_TRUE(fs::exists(root / "all" / "w.npy"));
}

TEST_F(ResultsWriter, ErrorsNameTheProblem) {
  auto imgs = images();
  imgs[2].pop_back();
  const auto get = [&imgs](int i) -> const std::vector<uint8_t>& { return imgs[i]; };
  try {
    write_output_tensors((root / "o").string(), prog, get, false);
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos) << e.what();
  }
  std::ofstream(root / "file") << "x";
  const Stats stats = compute_stats(prog, run, cfg);
  try {
    write_results((root / "file" / "run").string(), prog, run, cfg, stats);
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file/run"), std::string::npos) << e.what();
  }
}

TEST(ResultsNpyName, UnsafeCharactersAreReplaced) {
  EXPECT_EQ(npy_file_name("out"), "out.npy");
  EXPECT_EQ(npy_file_name("layer.0/attn out"), "layer.0_attn_out.npy");
  EXPECT_EQ(npy_file_name(".."), "_..npy");
  EXPECT_EQ(npy_file_name(""), "_.npy");
}

}  // namespace
}  // namespace trnsim::sim
