// The trnsim binary on hostile input: every refusal is exit 2 with a located, bounded message
// (never a crash or exit 3), and a run owns its results folder.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/copy_trace.h"
#include "tests/temp_dir.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliResult run_cli(const std::string& args) {
  const std::string cmd = std::string(TRNSIM_BINARY) + " " + args + " 2>&1";
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class HostileCli : public ::testing::Test {
 protected:
  // x [128, 64] -> tile a -> y.
  static json trace() {
    json j = trnsim::testing::copy_trace_json();
    j["name"] = "hostile";
    return j;
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string write_trace(const json& j) const { return write("t.json", j.dump()); }
  std::string out() const { return (dir_ / "out").string(); }

  // Expects exit 2 ("trnsim: error: ...") with every part in the message.
  static void expect_refusal(const CliResult& r, std::initializer_list<std::string> parts) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output.rfind("trnsim: error: ", 0), 0u) << r.output;
    for (const std::string& p : parts)
      EXPECT_NE(r.output.find(p), std::string::npos) << p << " not in: " << r.output;
    EXPECT_LT(r.output.size(), 2000u);
  }

  trnsim::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(HostileCli, ValidTraceRuns) {
  const CliResult r = run_cli("run " + write_trace(trace()) + " --out " + out() + " -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(fs::path(out()) / "outputs" / "y.npy"));
}

TEST_F(HostileCli, ValidationErrorsNameTheTraceFileLikeParseErrors) {
  json j = trace();
  j["instructions"][0]["src"] = "x[0:129]";
  const std::string path = write_trace(j);
  expect_refusal(run_cli("run " + path + " --out " + out()),
                 {path + ": instruction 0 (dma_copy) 'load': src 'x[0:129]'", "out of bounds"});
  j = trace();
  j["instructions"][0]["bogus"] = 1;
  expect_refusal(run_cli("run " + write_trace(j) + " --out " + out()),
                 {path + ": instruction 0 (dma_copy) 'load': unknown field 'bogus'"});
}

TEST_F(HostileCli, OverflowingTileAndTensorSizesAreRefused) {
  json j = trace();
  j["tiles"][0]["shape"] = {int64_t(1) << 62};
  const std::string path = write_trace(j);
  expect_refusal(run_cli("run " + path + " --out " + out()),
                 {path + ": tile 'a'", "more than 2^48 elements"});
  j = trace();
  j["tensors"][0]["shape"] = {128, int64_t(1) << 30};  // 512 GiB: refused even timing-only
  expect_refusal(run_cli("run " + write_trace(j) + " --timing-only --out " + out()),
                 {"tensor 'x'", "bytes of device HBM"});
}

TEST_F(HostileCli, DirectoryOrDeviceAsTraceIsRefused) {
  for (const std::string& path : {dir_.string(), std::string("/dev/null")})
    expect_refusal(run_cli("run " + path + " --out " + out()),
                   {path + ": not a regular file"});
}

TEST_F(HostileCli, NumberBeyondDoubleRangeIsALocatedParseError) {
  std::string text = trace().dump();
  text.replace(text.find("\"version\":1"), 11, "\"version\":1e400");
  const std::string path = write("big.json", text);
  expect_refusal(run_cli("run " + path + " --out " + out()), {path + ": not valid JSON"});
  std::string digits(5000, '7');
  text = trace().dump();
  text.replace(text.find("\"version\":1"), 11, "\"version\":" + digits);
  expect_refusal(run_cli("run " + write("digits.json", text) + " --out " + out()),
                 {"not valid JSON"});
}

TEST_F(HostileCli, HugeCostConstantIsAnErrorNotAFasterKernel) {
  expect_refusal(run_cli("run " + write_trace(trace()) + " --timing-only --set dma.fixed_ns=1e16" +
                         " --out " + out()),
                 {"more than the limit of 2^44 cycles"});
  expect_refusal(run_cli("run " + write_trace(trace()) + " --set dma.queues=4294967297 --out " +
                         out()),
                 {"dma.queues", "32-bit"});
}

TEST_F(HostileCli, QueueBeyondTheTargetsQueuesIsRefusedInEveryMode) {
  json j = trace();
  j["instructions"][0]["queue"] = int64_t(1) << 40;
  const std::string path = write_trace(j);
  for (const char* mode : {"", " --values-only", " --timing-only"})
    expect_refusal(run_cli("run " + path + mode + " --out " + out()),
                   {path + ": instruction 0 (dma_copy) 'load'", "1099511627776 is not a queue",
                    "DMA queues"});
}

TEST_F(HostileCli, InputMistakesAreErrors) {
  const std::string t = write_trace(trace());
  const CliResult ok = run_cli("run " + t + " --out " + out() + " -q");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const std::string y = (fs::path(out()) / "outputs" / "y.npy").string();
  fs::copy_file(y, dir_ / "x.npy");
  const std::string x = (dir_ / "x.npy").string();
  expect_refusal(run_cli("run " + t + " --input x=" + x + " --input x=" + y + " --out " + out()),
                 {"--input x is given twice"});
  expect_refusal(run_cli("run " + t + " --input y=" + x + " --out " + out()),
                 {"--input y=", "is an output tensor"});
  expect_refusal(run_cli("run " + t + " --input x=" + dir_.string() + " --out " + out()),
                 {"not a regular file"});
  expect_refusal(run_cli("run " + t + " --input x=/dev/zero --out " + out()),
                 {"not a regular file"});
}

TEST_F(HostileCli, ARunOwnsItsResultsFolder) {
  const std::string t = write_trace(trace());
  ASSERT_EQ(run_cli("run " + t + " --all-tensors --out " + out() + " -q").exit_code, 0);
  ASSERT_TRUE(fs::exists(fs::path(out()) / "outputs" / "x.npy"));
  // Rerun without --all-tensors: the previous run's x.npy is gone, not left beside y.npy.
  ASSERT_EQ(run_cli("run " + t + " --out " + out() + " -q").exit_code, 0);
  EXPECT_FALSE(fs::exists(fs::path(out()) / "outputs" / "x.npy"));
  EXPECT_TRUE(fs::exists(fs::path(out()) / "outputs" / "y.npy"));
  // A folder with a foreign file is refused and left alone.
  const std::string foreign = (dir_ / "foreign").string();
  fs::create_directories(foreign);
  std::ofstream(fs::path(foreign) / "notes.txt") << "mine";
  expect_refusal(run_cli("run " + t + " --out " + foreign), {"holds files trnsim did not write"});
  EXPECT_TRUE(fs::exists(fs::path(foreign) / "notes.txt"));
  // A symlink inside is never followed.
  fs::remove(fs::path(out()) / "stats.json");
  fs::create_symlink(dir_ / "elsewhere.json", fs::path(out()) / "stats.json");
  expect_refusal(run_cli("run " + t + " --out " + out()), {"symbolic link"});
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere.json"));
  expect_refusal(run_cli("run " + t + " --out /"), {"filesystem root"});
}

TEST_F(HostileCli, OutputFileNameCollisionIsAnError) {
  json j = trace();
  j["tensors"].push_back(
      {{"name", "y/b"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "output"}});
  j["tensors"].push_back(
      {{"name", "y_b"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "output"}});
  j["instructions"].push_back({{"op", "dma_copy"}, {"dst", "y/b"}, {"src", "a"}});
  j["instructions"].push_back({{"op", "dma_copy"}, {"dst", "y_b"}, {"src", "a"}});
  expect_refusal(run_cli("run " + write_trace(j) + " --out " + out()),
                 {"tensors 'y/b' and 'y_b' would both be written to outputs/y_b.npy"});
}

TEST_F(HostileCli, ModelWeightsWithoutValuesAreAnError) {
  expect_refusal(run_cli("model llama-3.2-1b --weights /nonexistent.safetensors"),
                 {"--weights /nonexistent.safetensors is used only with --values"});
  json cfg = json::parse(std::ifstream(std::string(TRNSIM_SOURCE_DIR) +
                                       "/workloads/models/llama-3.2-1b/config.json"));
  cfg["num_hidden_layers"] = int64_t(1) << 31;
  const std::string path = write("config.json", cfg.dump());
  expect_refusal(run_cli("model " + path), {path + ": field 'num_hidden_layers'", "limit 4096"});
}

TEST_F(HostileCli, ValuesModelMistakesAreRefusedBeforeTiming) {
  expect_refusal(run_cli("model llama-3.2-1b --values --values-layers 99"),
                 {"cannot have 99 layers (--values-layers), the model has 16"});
  json cfg = json::parse(std::ifstream(std::string(TRNSIM_SOURCE_DIR) +
                                       "/workloads/models/llama-3.2-1b/config.json"));
  cfg["num_hidden_layers"] = 4096;
  cfg["intermediate_size"] = 1 << 20;  // 4096 layers x 3 x 2048 x 2^20 floats: about 100 TB
  const std::string path = write("config.json", cfg.dump());
  expect_refusal(run_cli("model " + path + " --values --values-layers 4096"),
                 {"the weights of 4096 layers", "bytes of host memory", "--values-layers"});
}

}  // namespace
}  // namespace trnsim
