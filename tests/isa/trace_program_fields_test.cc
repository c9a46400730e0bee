// Trace fields for the compiler stage: tensor role "spill" and the program's "dma_issue"
// (isa::DmaIssue): parsed, written back, documented in the schema, bad values named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "isa/error.h"
#include "isa/trace_json.h"

namespace trnsim::isa {
namespace {

using json = nlohmann::json;

json trace(const json& extra) {
  json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "f"}};
  j["tensors"] = {{{"name", "x"}, {"shape", {128, 8}}, {"dtype", "float32"}, {"role", "spill"}}};
  j["instructions"] = json::array();
  if (extra.is_object()) j.update(extra);
  return j;
}

std::string parse_error(const json& j) {
  try {
    program_from_json(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TraceProgramFields, SpillRoleRoundTrips) {
  const Program p = program_from_json(trace({}));
  EXPECT_EQ(p.tensors[0].role, TensorRole::kSpill);
  EXPECT_EQ(role_name(TensorRole::kSpill), "spill");
  EXPECT_EQ(program_to_json(p)["tensors"][0]["role"], "spill");
  EXPECT_EQ(program_from_json(json::parse(trace_to_text(p))).tensors[0].role, TensorRole::kSpill);
  json bad = trace({});
  bad["tensors"][0]["role"] = "spilled";
  const std::string msg = parse_error(bad);
  EXPECT_NE(msg.find("unknown role 'spilled'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scratch or spill"), std::string::npos) << msg;
}

TEST(TraceProgramFields, DmaIssueDefaultsToProgramOrderAndRoundTrips) {
  EXPECT_EQ(program_from_json(trace({})).dma_issue, DmaIssue::kProgramOrder);
  EXPECT_FALSE(program_to_json(program_from_json(trace({}))).contains("dma_issue"));
  for (DmaIssue d : {DmaIssue::kProgramOrder, DmaIssue::kPrefetch, DmaIssue::kAsap}) {
    const std::string name(dma_issue_name(d));
    const Program p = program_from_json(trace({{"dma_issue", name}}));
    EXPECT_EQ(p.dma_issue, d) << name;
    EXPECT_EQ(program_from_json(program_to_json(p)).dma_issue, d) << name;
    EXPECT_EQ(program_from_json(json::parse(trace_to_text(p))).dma_issue, d) << name;
  }
  const std::string msg = parse_error(trace({{"dma_issue", "eager"}}));
  EXPECT_NE(msg.find("dma_issue"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'eager'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("program_order, prefetch or asap"), std::string::npos) << msg;
}

TEST(TraceProgramFields, SchemaDocumentsBoth) {
  const std::string schema = trace_schema_text();
  EXPECT_NE(schema.find("| spill"), std::string::npos);
  EXPECT_NE(schema.find("dma_issue"), std::string::npos);
  EXPECT_NE(schema.find("prefetch"), std::string::npos);
}

}  // namespace
}  // namespace trnsim::isa
