// Timeline detail: operand shapes / dtypes / bytes in slice args, the DMA fixed cost as its own
// nested slice, and the DMA bandwidth counter track (values derived by hand from the
// results fixture, tests/sim/results_fixture.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <sstream>

#include "isa/trace_json.h"
#include "sim/trace/dma_bandwidth.h"
#include "sim/trace/timeline.h"
#include "tests/sim/results_fixture.h"

namespace trnsim::sim {
namespace {

using nlohmann::json;

class TimelineDetail : public ::testing::Test {
 protected:
  json timeline(const TimelineOptions& options = {}) {
    std::ostringstream os;
    write_timeline(os, prog, run, options);
    return json::parse(os.str());
  }
  static std::vector<json> slices(const json& t, const std::string& cat) {
    std::vector<json> out;
    for (const json& e : t["traceEvents"])
      if (e["ph"] == "X" && e["cat"] == cat) out.push_back(e);
    return out;
  }
  isa::Program prog = testing::results_test_program();
  RunResult run = testing::results_test_run();
};

TEST_F(TimelineDetail, OperandArgsGiveShapeDtypeAndBytes) {
  const json t = timeline();
  const json load = slices(t, "dma")[0]["args"];
  EXPECT_EQ(load["dst"], "xt");
  EXPECT_EQ(load["dst_shape"], json::array({128, 512}));
  EXPECT_EQ(load["dst_dtype"], "bfloat16");
  EXPECT_EQ(load["dst_bytes"], 128 * 512 * 2);
  EXPECT_EQ(load["src_shape"], json::array({128, 512}));
  const json mm = slices(t, "tensor")[0]["args"];
  EXPECT_EQ(mm["stationary_shape"], json::array({128, 128}));
  EXPECT_EQ(mm["stationary_bytes"], 128 * 128 * 2);
  EXPECT_EQ(mm["dst_dtype"], "float32");
  EXPECT_EQ(mm["dst_bytes"], 128 * 512 * 4);
  const json copy = slices(t, "vector")[0]["args"];  // tensor_copy yt[:, 0:256]
  EXPECT_EQ(copy["dst_shape"], json::array({128, 256}));
  EXPECT_EQ(copy["dst_bytes"], 128 * 256 * 4);
  EXPECT_FALSE(slices(t, "scalar")[0]["args"].contains("scale_shape"));  // immediates: value only
}

TEST_F(TimelineDetail, FixedCostIsANestedSliceAtTheStartOfEachTransfer) {
  EXPECT_TRUE(slices(timeline(), "dma_fixed").empty());  // no fixed cost given
  run.records[1].busy_ns = 30;  // shorter than the fixed cost: the nested slice is clipped
  TimelineOptions options;
  options.dma_fixed_ns = 64;
  const json t = timeline(options);
  const std::vector<json> fixed = slices(t, "dma_fixed"), dma = slices(t, "dma");
  ASSERT_EQ(dma.size(), 3u);
  ASSERT_EQ(fixed.size(), 3u);
  const double expected_us[] = {0.064, 0.030, 0.064};
  for (size_t k = 0; k < dma.size(); ++k) {
    EXPECT_EQ(fixed[k]["name"], "fixed cost");
    EXPECT_EQ(fixed[k]["args"]["index"], dma[k]["args"]["index"]);
    EXPECT_EQ(fixed[k]["tid"], dma[k]["tid"]);
    EXPECT_DOUBLE_EQ(fixed[k]["ts"].get<double>(), dma[k]["ts"].get<double>());
    EXPECT_DOUBLE_EQ(fixed[k]["dur"].get<double>(), expected_us[k]);
    EXPECT_LE(fixed[k]["dur"].get<double>(), dma[k]["dur"].get<double>());
  }
}

TEST_F(TimelineDetail, EachPieceHasItsOwnFixedCostSlice) {
  run.dma_pieces = {{0, 0, 0, 150, 120, 0, 65536},     {0, 1, 0, 250, 200, 0, 65536},
                    {1, 2, 100, 320, 200, 100, 32768}, {5, 0, 800, 1000, 150, 600, 262144}};
  TimelineOptions options;
  options.dma_pieces = true;
  options.dma_fixed_ns = 50;
  const json t = timeline(options);
  const std::vector<json> fixed = slices(t, "dma_fixed"), dma = slices(t, "dma");
  ASSERT_EQ(dma.size(), 4u);
  ASSERT_EQ(fixed.size(), 4u);
  for (size_t k = 0; k < dma.size(); ++k) {
    EXPECT_EQ(fixed[k]["tid"], dma[k]["tid"]);
    EXPECT_DOUBLE_EQ(fixed[k]["ts"].get<double>(), dma[k]["ts"].get<double>());
    EXPECT_DOUBLE_EQ(fixed[k]["dur"].get<double>(), 0.05);
  }
  EXPECT_EQ(fixed[1]["tid"], timeline_tid(isa::Engine::kDma, 1));
}

// Records 0, 1, 5 move 131072 B over [0, 200), 32768 B over [100, 300), 262144 B over
// [800, 950) ns; with a 50 ns fixed cost each moves data only after it.
TEST_F(TimelineDetail, BandwidthTrackSumsTheRatesOfConcurrentTransfers) {
  const std::vector<BandwidthPoint> none = dma_bandwidth_track(run, 0);
  const std::vector<std::pair<double, double>> expected_none = {
      {0, 131072 / 200.0}, {100, 131072 / 200.0 + 32768 / 200.0}, {200, 32768 / 200.0},
      {300, 0},            {800, 262144 / 150.0},                  {950, 0}};
  ASSERT_EQ(none.size(), expected_none.size());
  for (size_t k = 0; k < none.size(); ++k) {
    EXPECT_DOUBLE_EQ(none[k].time_ns, expected_none[k].first) << k;
    EXPECT_NEAR(none[k].bytes_per_ns, expected_none[k].second, 1e-9) << k;
  }
  const std::vector<BandwidthPoint> fixed = dma_bandwidth_track(run, 50);
  ASSERT_EQ(fixed.size(), 6u);
  EXPECT_DOUBLE_EQ(fixed[0].time_ns, 50);
  EXPECT_NEAR(fixed[0].bytes_per_ns, 131072 / 150.0, 1e-9);
  EXPECT_DOUBLE_EQ(fixed[1].time_ns, 150);
  EXPECT_NEAR(fixed[1].bytes_per_ns, 131072 / 150.0 + 32768 / 150.0, 1e-9);
  EXPECT_DOUBLE_EQ(fixed[4].time_ns, 850);
  EXPECT_NEAR(fixed[4].bytes_per_ns, 262144 / 100.0, 1e-9);
  EXPECT_EQ(fixed.back().bytes_per_ns, 0);
  // The area under the curve is every byte moved.
  double bytes = 0;
  for (size_t k = 0; k + 1 < fixed.size(); ++k)
    bytes += fixed[k].bytes_per_ns * (fixed[k + 1].time_ns - fixed[k].time_ns);
  EXPECT_NEAR(bytes, 131072 + 32768 + 262144, 1e-6);
}

TEST_F(TimelineDetail, BandwidthTrackUsesPiecesWhenTheRunHasThem) {
  run.dma_pieces = {{0, 0, 0, 100, 100, 0, 1000}, {0, 1, 0, 100, 50, 0, 1000}};
  const std::vector<BandwidthPoint> track = dma_bandwidth_track(run, 0);
  ASSERT_EQ(track.size(), 3u);
  EXPECT_NEAR(track[0].bytes_per_ns, 1000 / 100.0 + 1000 / 50.0, 1e-9);
  EXPECT_DOUBLE_EQ(track[1].time_ns, 50);
  EXPECT_NEAR(track[1].bytes_per_ns, 10, 1e-9);
  EXPECT_EQ(track[2].bytes_per_ns, 0);
  EXPECT_TRUE(dma_bandwidth_track(RunResult{}, 0).empty());
}

// The pieces of a spread transfer usually share one span; each still adds its own bytes, and
// a piece of the transfer that ends earlier, or one of the next transfer starting at the same
// time, is its own step.
TEST_F(TimelineDetail, BandwidthTrackAddsEveryPieceOfATransferSharingOneSpan) {
  run.dma_pieces = {{0, 0, 0, 100, 100, 0, 1000}, {0, 1, 0, 100, 100, 0, 3000},
                    {0, 2, 0, 100, 100, 0, 0},    {0, 3, 0, 60, 60, 0, 600},
                    {1, 4, 0, 100, 100, 0, 500},  {2, 0, 100, 300, 200, 0, 4000},
                    {2, 1, 100, 300, 200, 0, 4000}};
  const std::vector<BandwidthPoint> track = dma_bandwidth_track(run, 0);
  const std::vector<std::pair<double, double>> expected = {
      {0, (1000 + 3000 + 500) / 100.0 + 600 / 60.0}, {60, (1000 + 3000 + 500) / 100.0},
      {100, 8000 / 200.0}, {300, 0}};
  ASSERT_EQ(track.size(), expected.size());
  for (size_t k = 0; k < track.size(); ++k) {
    EXPECT_DOUBLE_EQ(track[k].time_ns, expected[k].first) << k;
    EXPECT_NEAR(track[k].bytes_per_ns, expected[k].second, 1e-9) << k;
  }
}

// Overlapping pieces on one queue, out of time order (hand-made results may have them), some
// moving no bytes, against the rate summed over every piece at sample times in float64.
TEST_F(TimelineDetail, BandwidthTrackMatchesTheSumOfPieceRatesForAnyPieceOrder) {
  uint64_t state = 7;
  const auto next = [&state](int m) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return int((state >> 33) % uint64_t(m));
  };
  run.dma_pieces.clear();
  for (int k = 0; k < 300; ++k)
    run.dma_pieces.push_back({0, int16_t(next(3)), double(next(1000)), 0,
                              double(1 + next(60)), 0, int64_t(64 * next(9))});  // some 0 B
  const double fixed = 5;
  const std::vector<BandwidthPoint> track = dma_bandwidth_track(run, fixed);
  ASSERT_FALSE(track.empty());
  for (size_t i = 1; i < track.size(); ++i) ASSERT_LT(track[i - 1].time_ns, track[i].time_ns);
  EXPECT_EQ(track.back().bytes_per_ns, 0);
  for (double t = 0.25; t < 1100; t += 0.5) {  // never on a step (steps are whole ns)
    double expect = 0;
    for (const DmaPieceRecord& p : run.dma_pieces) {
      const double begin = p.busy_ns > fixed ? p.start_ns + fixed : p.start_ns;
      const double end = p.start_ns + p.busy_ns;
      if (begin <= t && t < end) expect += double(p.bytes) / (end - begin);
    }
    const auto after = std::upper_bound(track.begin(), track.end(), t, [](double x, const auto& pt) {
      return x < pt.time_ns;
    });
    const double got = after == track.begin() ? 0 : std::prev(after)->bytes_per_ns;
    ASSERT_NEAR(got, expect, 1e-9 * (1 + expect)) << t;
  }
}

TEST_F(TimelineDetail, TimelineCarriesTheBandwidthCounter) {
  const json t = timeline();
  std::vector<double> rates;
  for (const json& e : t["traceEvents"])
    if (e["ph"] == "C" && e["name"] == "DMA bandwidth") rates.push_back(e["args"]["GB_per_s"]);
  ASSERT_EQ(rates.size(), 6u);
  EXPECT_NEAR(rates[1], 819.2, 1e-9);
  EXPECT_EQ(rates.back(), 0);
}

// The view text of each slice is built once per distinct view and reused: repeated, different
// and same-slice-other-buffer views all print as isa::view_to_string does, and slice names
// escape labels that need it.
TEST(TimelineViewText, RepeatedAndDistinctViewsPrintTheirOwnText) {
  json trace = json::parse(R"({
    "format": "trnsim-trace", "version": 1, "name": "views",
    "tensors": [],
    "tiles": [{"name": "a", "memory": "sbuf", "partitions": 128, "shape": [64],
               "dtype": "float32"},
              {"name": "b", "memory": "sbuf", "partitions": 128, "shape": [64],
               "dtype": "bfloat16"}],
    "instructions": []})");
  const char* dsts[] = {"a[0:64, 0:8]", "a[0:64, 0:8]", "b[0:64, 0:8]", "a[0:64, 8:16]",
                        "a[:, 0:64:2]", "a", "a[0:64, 0:8]"};
  const char* labels[] = {"", "plain", "quote \" here", "tab\there", "", "caf\u00e9", "x"};
  for (size_t i = 0; i < std::size(dsts); ++i)
    trace["instructions"].push_back(
        {{"op", "tensor_copy"}, {"dst", dsts[i]}, {"src", "b[64:128, 0:8]"}, {"label", labels[i]}});
  const isa::Program prog = isa::program_from_json(trace);
  RunResult run;
  for (int32_t i = 0; i < int32_t(prog.instructions.size()); ++i)
    run.records.push_back(testing::record(i, isa::Engine::kVector, -1, 10.0 * i, 5, 10.0 * i + 6,
                                          0, 5));
  run.total_ns = 10.0 * double(prog.instructions.size());
  std::ostringstream os;
  write_timeline(os, prog, run);
  const json t = json::parse(os.str());
  size_t seen = 0;
  for (const json& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const int64_t i = e["args"]["index"];
    const isa::Instruction& ins = prog.instructions[size_t(i)];
    EXPECT_EQ(e["args"]["dst"], isa::view_to_string(prog, ins.operand("dst").view)) << i;
    EXPECT_EQ(e["args"]["src"], "b[64:128, 0:8]") << i;
    const std::string name = ins.label.empty() ? "tensor_copy" : "tensor_copy " + ins.label;
    EXPECT_EQ(e["name"], name) << i;
    ++seen;
  }
  EXPECT_EQ(seen, std::size(dsts));
  // The texts themselves, by hand: the whole free dim is implied, strides print.
  EXPECT_EQ(isa::view_to_string(prog, prog.instructions[3].operand("dst").view), "a[0:64, 8:16]");
  EXPECT_EQ(isa::view_to_string(prog, prog.instructions[5].operand("dst").view), "a");
}

// More distinct operands than the args cache holds (65,536): every slice still prints its own
// operand text, before the cache fills, after it (uncached), and for a cached view seen again.
TEST(TimelineViewText, OperandsPastTheCacheLimitPrintTheirOwnText) {
  const isa::Program small = isa::program_from_json(json::parse(R"({
    "format": "trnsim-trace", "version": 1, "name": "many_views", "tensors": [],
    "tiles": [{"name": "a", "memory": "sbuf", "partitions": 128, "shape": [512],
               "dtype": "float32"}],
    "instructions": [{"op": "memset", "dst": "a[0:128, 0:1]", "value": 0}]})"));
  isa::Program prog = small;
  const isa::Instruction model = small.instructions[0];
  prog.instructions.clear();
  const auto add = [&](int64_t begin, int64_t end) {
    isa::Instruction ins = model;
    ins.operand("dst").view.dims[1] = {begin, end, 1};
    prog.instructions.push_back(ins);
  };
  for (int64_t begin = 0; prog.instructions.size() < 70000; ++begin)
    for (int64_t end = begin + 1; end <= 512 && prog.instructions.size() < 70000; ++end)
      add(begin, end);
  add(0, 1);  // the first view again, once the cache is full
  RunResult run;
  for (int32_t i = 0; i < int32_t(prog.instructions.size()); ++i)
    run.records.push_back(testing::record(i, isa::Engine::kVector, -1, 10.0 * i, 5, 10.0 * i + 6,
                                          0, 5));
  std::ostringstream os;
  write_timeline(os, prog, run);
  const std::string text = os.str();
  for (const size_t i : {size_t(0), size_t(1000), size_t(65535), size_t(65536), size_t(69999),
                         size_t(70000)}) {
    const isa::View& v = prog.instructions[i].operand("dst").view;
    const std::string args = "\"args\":{\"index\":" + std::to_string(i) + ",\"dst\":\"" +
                             isa::view_to_string(prog, v) + "\",\"dst_shape\":[128," +
                             std::to_string(v.dims[1].count()) + "],\"dst_dtype\":\"float32\"";
    EXPECT_NE(text.find(args), std::string::npos) << i;
  }
}

}  // namespace
}  // namespace trnsim::sim
