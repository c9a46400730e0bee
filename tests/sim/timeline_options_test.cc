// Timeline options: one slice per DMA transfer by default (pieces opt-in), the none / json /
// json.gz formats, and the results folder keeping only the timeline of the current run.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "isa/error.h"
#include "sim/stats/results_writer.h"
#include "sim/trace/timeline.h"
#include "tests/sim/results_fixture.h"
#include "tests/temp_dir.h"

namespace trnsim::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> slices(const json& t) {
  std::vector<json> out;
  for (const json& e : t["traceEvents"])
    if (e["ph"] == "X") out.push_back(e);
  return out;
}

std::string gunzip_file(const fs::path& path) {
  gzFile gz = gzopen(path.string().c_str(), "rb");
  EXPECT_NE(gz, nullptr) << path;
  std::string text;
  char buf[4096];
  for (int n; gz && (n = gzread(gz, buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
  if (gz) gzclose(gz);
  return text;
}

class TimelineOptionsTest : public ::testing::Test {
 protected:
  // The fixture's run with instruction 0 (4 queues x 32 KiB) and 5 (2 queues) spread, and
  // instruction 1 put on queue 0 too, starting while 0's last piece still runs on queue 3.
  void SetUp() override {
    for (int q = 0; q < 4; ++q) run.dma_pieces.push_back({0, int16_t(q), q * 10.0, 250, 170, 0, 32768});
    run.dma_pieces.push_back({1, 0, 100, 320, 200, 100, 32768});
    run.dma_pieces.push_back({5, 0, 800, 1000, 150, 600, 131072});
    run.dma_pieces.push_back({5, 1, 800, 1000, 150, 600, 131072});
    run.records[1].queue = 0;
  }
  json timeline(const TimelineOptions& o) {
    std::ostringstream os;
    write_timeline(os, prog, run, o);
    return json::parse(os.str());
  }
  isa::Program prog = testing::results_test_program();
  RunResult run = testing::results_test_run();
  trnsim::testing::TempDir tmp;
  fs::path root = tmp.path();
};

TEST_F(TimelineOptionsTest, DefaultIsOneSlicePerTransfer) {
  const std::vector<json> x = slices(timeline({}));
  ASSERT_EQ(x.size(), 6u);
  EXPECT_EQ(x[0]["args"]["queues"], 4);
  EXPECT_EQ(x[0]["args"]["bytes"], 131072);
  EXPECT_EQ(x[0]["tid"], timeline_tid(isa::Engine::kDma, 0));
  EXPECT_DOUBLE_EQ(x[0]["ts"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(x[0]["dur"].get<double>(), 0.2);
  EXPECT_EQ(x[5]["args"]["queues"], 2);
  EXPECT_EQ(x[3]["args"].count("queues"), 0u);  // compute slices carry no DMA args
}

TEST_F(TimelineOptionsTest, TransferSlicesOnOneTrackDoNotOverlap) {
  // Instruction 1 starts at 100 ns on queue 0, inside instruction 0's [0, 200) slice: it is
  // drawn from 200 ns to its end at 300 ns; args keep its true start.
  const std::vector<json> x = slices(timeline({}));
  EXPECT_EQ(x[1]["tid"], x[0]["tid"]);
  EXPECT_DOUBLE_EQ(x[1]["ts"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(x[1]["dur"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(x[1]["args"]["start_ns"].get<double>(), 100);
  // Its flow arrow to the matmul starts inside the drawn slice.
  const json whole = timeline({});  // a range-for over a temporary's member would dangle
  for (const json& e : whole["traceEvents"]) {
    if (e["ph"] == "s" && e["tid"] == x[1]["tid"] && e["ts"].get<double>() > 0.1) {
      EXPECT_GE(e["ts"].get<double>(), 0.2);
      EXPECT_LE(e["ts"].get<double>(), 0.3);
    }
  }
}

TEST_F(TimelineOptionsTest, PiecesAreOptIn) {
  TimelineOptions o;
  o.dma_pieces = true;
  const std::vector<json> x = slices(timeline(o));
  ASSERT_EQ(x.size(), 4u + 1 + 3 + 2);
  EXPECT_EQ(x[3]["tid"], timeline_tid(isa::Engine::kDma, 3));
  EXPECT_DOUBLE_EQ(x[3]["ts"].get<double>(), 0.03);
  EXPECT_DOUBLE_EQ(x[3]["dur"].get<double>(), 0.17);
  EXPECT_EQ(x[3]["args"]["bytes"], 32768);
  EXPECT_EQ(x[3]["args"]["transfer_bytes"], 131072);
}

std::vector<json> memory_counters(const json& t) {
  std::vector<json> out;
  for (const json& e : t["traceEvents"])
    if (e["ph"] == "C" && e["cat"] == "memory") out.push_back(e);
  return out;
}

TEST_F(TimelineOptionsTest, MemoryCountersComeFromTheGivenMemoryStats) {
  const Stats stats = compute_stats(prog, run, testing::results_test_config());
  TimelineOptions o;
  o.memory = &stats.memory;
  const json computed = timeline({}), given = timeline(o);
  ASSERT_FALSE(memory_counters(computed).empty());
  EXPECT_EQ(given, computed);  // the run's own figures: the same timeline
  MemoryStats other = stats.memory;
  for (TileUse& t : other.tiles) t.bytes_per_partition *= 3;
  o.memory = &other;
  const std::vector<json> tripled = memory_counters(timeline(o));
  ASSERT_EQ(tripled.size(), memory_counters(computed).size());
  for (size_t i = 0; i < tripled.size(); ++i)
    EXPECT_EQ(tripled[i]["args"]["bytes_per_partition"].get<int64_t>(),
              3 * memory_counters(computed)[i]["args"]["bytes_per_partition"].get<int64_t>());
}

TEST_F(TimelineOptionsTest, FormatNamesAndFiles) {
  EXPECT_EQ(parse_timeline_format("none"), TimelineFormat::kNone);
  EXPECT_EQ(parse_timeline_format("json"), TimelineFormat::kJson);
  EXPECT_EQ(parse_timeline_format("json.gz"), TimelineFormat::kJsonGz);
  try {
    parse_timeline_format("gz");
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "timeline format 'gz': expected none, json or json.gz");
  }
  EXPECT_EQ(timeline_file_name(TimelineFormat::kJsonGz), "timeline.json.gz");
}

TEST_F(TimelineOptionsTest, GzipFileHoldsTheSameText) {
  TimelineOptions o;
  o.format = TimelineFormat::kJsonGz;
  write_timeline_file((root / "t.json.gz").string(), prog, run, o);
  std::ostringstream plain;
  write_timeline(plain, prog, run);
  EXPECT_EQ(gunzip_file(root / "t.json.gz"), plain.str());
  EXPECT_THROW(write_timeline_file("/nonexistent-dir/t.json.gz", prog, run, o), Error);
}

TEST_F(TimelineOptionsTest, ResultsFolderKeepsOnlyTheCurrentTimeline) {
  const HwConfig cfg = testing::results_test_config();
  const Stats stats = compute_stats(prog, run, cfg);
  const fs::path dir = root / "run";
  TimelineOptions o;
  write_results(dir.string(), prog, run, cfg, stats, nullptr, false, o);
  EXPECT_TRUE(fs::exists(dir / "timeline.json"));
  o.format = TimelineFormat::kJsonGz;
  write_results(dir.string(), prog, run, cfg, stats, nullptr, false, o);
  EXPECT_FALSE(fs::exists(dir / "timeline.json"));
  EXPECT_EQ(slices(json::parse(gunzip_file(dir / "timeline.json.gz"))).size(), 6u);
  o.format = TimelineFormat::kNone;
  write_results(dir.string(), prog, run, cfg, stats, nullptr, false, o);
  EXPECT_FALSE(fs::exists(dir / "timeline.json.gz"));
  EXPECT_TRUE(fs::exists(dir / "stats.json"));
}

}  // namespace
}  // namespace trnsim::sim
