// Timeline (Chrome/Perfetto trace event JSON) structure on the hand-made run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "isa/error.h"
#include "sim/trace/timeline.h"
#include "tests/sim/results_fixture.h"
#include "tests/temp_dir.h"

namespace trnsim::sim {
namespace {

using nlohmann::json;

class ResultsTimeline : public ::testing::Test {
 protected:
  json timeline(const TimelineOptions& options = {}) {
    std::ostringstream os;
    write_timeline(os, prog, run, options);
    return json::parse(os.str());  // throws (fails the test) if not valid JSON
  }
  std::vector<json> events(const json& t, const std::string& ph) {
    std::vector<json> out;
    for (const json& e : t["traceEvents"])
      if (e["ph"] == ph) out.push_back(e);
    return out;
  }
  isa::Program prog = testing::results_test_program();
  RunResult run = testing::results_test_run();
};

TEST_F(ResultsTimeline, EveryEventHasTheRequiredKeys) {
  const json t = timeline();
  ASSERT_TRUE(t["traceEvents"].is_array());
  EXPECT_EQ(t["displayTimeUnit"], "ns");
  for (const json& e : t["traceEvents"]) {
    for (const char* key : {"name", "ph", "pid", "tid"})
      EXPECT_TRUE(e.contains(key)) << key << " missing in " << e.dump();
    EXPECT_EQ(e["pid"], kTimelinePid);
    const std::string ph = e["ph"];
    EXPECT_TRUE(ph == "M" || ph == "X" || ph == "s" || ph == "f" || ph == "C") << ph;
    if (ph == "X") {
      EXPECT_TRUE(e["ts"].is_number() && e["dur"].is_number() && e["args"].is_object());
      EXPECT_GE(e["dur"].get<double>(), 0);
    }
    if (ph == "s" || ph == "f") {
      EXPECT_TRUE(e["ts"].is_number() && e.contains("id"));
    }
  }
}

TEST_F(ResultsTimeline, OneProcessAndNamedSortedTracks) {
  const json t = timeline();
  std::map<int, std::string> names;
  std::map<int, int> sort_index;
  int processes = 0;
  for (const json& e : events(t, "M")) {
    if (e["name"] == "process_name") {
      ++processes;
      EXPECT_EQ(e["args"]["name"], "NeuronCore");
    }
    if (e["name"] == "thread_name") names[e["tid"]] = e["args"]["name"];
    if (e["name"] == "thread_sort_index") sort_index[e["tid"]] = e["args"]["sort_index"];
  }
  EXPECT_EQ(processes, 1);
  // 4 compute engines + the two DMA queues that ran transfers.
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[timeline_tid(isa::Engine::kTensor, -1)], "Tensor engine");
  EXPECT_EQ(names[timeline_tid(isa::Engine::kGpsimd, -1)], "GpSimd engine");
  EXPECT_EQ(names[timeline_tid(isa::Engine::kDma, 1)], "DMA queue 1");
  EXPECT_EQ(sort_index.size(), 6u);
  EXPECT_LT(sort_index[timeline_tid(isa::Engine::kScalar, -1)],
            sort_index[timeline_tid(isa::Engine::kDma, 0)]);
  EXPECT_LT(sort_index[timeline_tid(isa::Engine::kDma, 0)],
            sort_index[timeline_tid(isa::Engine::kDma, 1)]);
}

TEST_F(ResultsTimeline, OneSlicePerInstructionInMicroseconds) {
  const json t = timeline();
  const std::vector<json> slices = events(t, "X");
  ASSERT_EQ(slices.size(), run.records.size());
  const json& load = slices[0];
  EXPECT_EQ(load["name"], "dma_copy load x");
  EXPECT_EQ(load["tid"], timeline_tid(isa::Engine::kDma, 0));
  EXPECT_EQ(load["args"]["bytes"], 131072);
  EXPECT_EQ(load["args"]["dst"], "xt");
  EXPECT_EQ(load["args"]["src"], "x");
  const json& mm = slices[2];
  EXPECT_EQ(mm["name"], "nc_matmul");  // no label: opcode only
  EXPECT_EQ(mm["tid"], timeline_tid(isa::Engine::kTensor, -1));
  EXPECT_DOUBLE_EQ(mm["ts"].get<double>(), 0.32);   // 320 ns
  EXPECT_DOUBLE_EQ(mm["dur"].get<double>(), 0.256);  // busy 256 ns
  EXPECT_EQ(mm["args"]["index"], 2);
  EXPECT_EQ(mm["args"]["cycles"], 512);
  EXPECT_DOUBLE_EQ(mm["args"]["dep_wait_ns"].get<double>(), 320);
  EXPECT_DOUBLE_EQ(mm["args"]["end_ns"].get<double>(), 600);
  EXPECT_EQ(mm["args"]["stationary"], "wt");
  EXPECT_DOUBLE_EQ(mm["args"]["flops"].get<double>(), 16777216);
  EXPECT_EQ(slices[3]["args"]["scale"], 1.0);  // immediate operand
  EXPECT_EQ(slices[4]["args"]["dst"], "yt[:, 0:256]");
  EXPECT_EQ(slices[5]["name"], "dma_copy store y");
}

TEST_F(ResultsTimeline, SubNanosecondTimesSurvive) {
  run.records[3].start_ns = 650.123;
  run.records[3].busy_ns = 99.877;
  std::ostringstream os;
  write_timeline(os, prog, run);
  EXPECT_NE(os.str().find("\"ts\":0.650123,\"dur\":0.099877"), std::string::npos);
}

TEST_F(ResultsTimeline, FlowsLinkProducerAndConsumerSlices) {
  TimelineOptions all;
  all.all_dependencies = true;
  const json t = timeline(all);
  const std::vector<json> starts = events(t, "s"), finishes = events(t, "f");
  ASSERT_EQ(starts.size(), run.cross_engine_edges.size());
  ASSERT_EQ(finishes.size(), run.cross_engine_edges.size());
  const std::vector<json> slices = events(t, "X");
  for (size_t k = 0; k < starts.size(); ++k) {
    const DepEdge& edge = run.cross_engine_edges[k];
    EXPECT_EQ(starts[k]["id"], finishes[k]["id"]);
    EXPECT_EQ(finishes[k]["bp"], "e");
    const json& p = slices[edge.producer];
    const json& c = slices[edge.consumer];
    EXPECT_EQ(starts[k]["tid"], p["tid"]);
    EXPECT_EQ(finishes[k]["tid"], c["tid"]);
    // Each flow end lies inside its slice, so viewers bind it to that slice.
    EXPECT_GE(starts[k]["ts"].get<double>(), p["ts"].get<double>());
    EXPECT_LE(starts[k]["ts"].get<double>(), p["ts"].get<double>() + p["dur"].get<double>());
    EXPECT_GE(finishes[k]["ts"].get<double>(), c["ts"].get<double>());
    EXPECT_LE(finishes[k]["ts"].get<double>(), c["ts"].get<double>() + c["dur"].get<double>());
  }
  EXPECT_NE(starts[0]["id"], starts[1]["id"]);
}

TEST_F(ResultsTimeline, ByDefaultOnlyTheBindingEdgeOfEachConsumerHasAFlow) {
  // The first edge's consumer gets one more producer, whose result comes last: only that edge
  // is drawn for it; every other consumer keeps its single edge.
  const DepEdge first = run.cross_engine_edges[0];
  int32_t late = -1;
  for (const InstrRecord& r : run.records)
    if (r.index != first.consumer && r.index != first.producer) late = r.index;
  ASSERT_GE(late, 0);
  double latest = 0;
  for (const InstrRecord& r : run.records) latest = std::max(latest, r.end_ns);
  run.records[late].end_ns = latest + 1;
  run.cross_engine_edges.push_back({late, first.consumer});
  // The flows of the all-edges timeline are the edges in order: the expected default flows are
  // the binding edge of each consumer among them.
  TimelineOptions all;
  all.all_dependencies = true;
  const std::vector<json> all_starts = events(timeline(all), "s");
  ASSERT_EQ(all_starts.size(), run.cross_engine_edges.size());
  std::map<int32_t, size_t> binding;  // consumer -> edge
  for (size_t e = 0; e < run.cross_engine_edges.size(); ++e) {
    const DepEdge& edge = run.cross_engine_edges[e];
    const auto it = binding.find(edge.consumer);
    const auto end_of = [&](size_t k) {
      return run.records[run.cross_engine_edges[k].producer].end_ns;
    };
    if (it == binding.end() || end_of(e) > end_of(it->second)) binding[edge.consumer] = e;
  }
  EXPECT_EQ(binding[first.consumer], run.cross_engine_edges.size() - 1);
  std::set<std::pair<int, double>> expected, drawn;
  for (const auto& [consumer, e] : binding)
    expected.insert({all_starts[e]["tid"].get<int>(), all_starts[e]["ts"].get<double>()});
  const std::vector<json> starts = events(timeline(), "s");
  EXPECT_EQ(starts.size(), binding.size());
  EXPECT_EQ(events(timeline(), "f").size(), binding.size());
  for (const json& st : starts) drawn.insert({st["tid"].get<int>(), st["ts"].get<double>()});
  EXPECT_EQ(drawn, expected);
}

TEST_F(ResultsTimeline, BadRecordsAndEdgesAreErrors) {
  std::ostringstream os;
  RunResult bad = run;
  bad.cross_engine_edges.push_back({2, 9});
  EXPECT_THROW(write_timeline(os, prog, bad), Error);
  EXPECT_TRUE(os.str().empty());  // checked before writing
  bad = run;
  bad.records[0].index = -1;
  EXPECT_THROW(write_timeline(os, prog, bad), Error);
  bad = run;
  bad.records[5].queue = -1;
  EXPECT_THROW(write_timeline(os, prog, bad), Error);
  EXPECT_THROW(write_timeline_file("/nonexistent-dir/t.json", prog, run), Error);
}

TEST_F(ResultsTimeline, PythonJsonModuleAcceptsTheFile) {
  const trnsim::testing::TempDir tmp;
  const std::string path = tmp / "timeline.json";
  prog.instructions[4].label = "copy \"half\" \\ \u00fc";  // quotes, backslash, UTF-8
  write_timeline_file(path, prog, run);
  std::ifstream is(path);
  const std::vector<json> slices = events(json::parse(is), "X");
  ASSERT_EQ(slices.size(), 6u);
  EXPECT_EQ(slices[4]["name"], "tensor_copy " + prog.instructions[4].label);
  const std::string cmd =
      "/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
      "ev=d['traceEvents']; assert sum(e['ph']=='X' for e in ev)==6; "
      "assert all(k in e for e in ev for k in ('name','ph','pid','tid'))\" " + path;
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace trnsim::sim
