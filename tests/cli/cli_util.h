// Helpers for CLI tests: run the built trnsim binary (or any shell command) in a fresh
// temporary working folder and capture its exit code and output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/temp_dir.h"

namespace trnsim::cli::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

inline CommandResult run_shell(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen(("{ " + command + "\n} 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string source_path(const std::string& relative) {
  return std::string(TRNSIM_SOURCE_DIR) + "/" + relative;
}

using trnsim::testing::TempDir;

// `trnsim ARGS` run with `dir` as working folder.
inline CommandResult trnsim_in(const TempDir& dir, const std::string& args) {
  return run_shell("cd '" + dir.path() + "' && '" + TRNSIM_BINARY + "' " + args);
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, false);
}

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace trnsim::cli::testing
