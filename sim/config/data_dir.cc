#include "sim/config/data_dir.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "isa/error.h"

namespace trnsim::sim {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMarker = "sim/configs/trn2.json";
constexpr int kMaxLevelsUp = 4;  // build/tests/<suite>/x -> source root

bool holds_data(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kMarker, ec);
}

std::string find_data_root(std::vector<std::string>* looked) {
  if (const char* env = std::getenv("TRNSIM_DATA"); env && *env) {
    if (holds_data(env)) return fs::absolute(env).lexically_normal().string();
    throw Error(std::string("$TRNSIM_DATA=") + env + " holds no " + kMarker +
                " (point it at an installed share/trnsim or a source tree)");
  }
  const std::string exe = executable_path();
  if (exe.empty()) {
    looked->push_back("(the executable's path is unknown)");
    return "";
  }
  const fs::path bin_dir = fs::path(exe).parent_path();
  const fs::path installed = bin_dir.parent_path() / "share" / "trnsim";
  looked->push_back(installed.string());
  if (holds_data(installed)) return installed.string();
  fs::path dir = bin_dir;
  for (int i = 0; i <= kMaxLevelsUp && !dir.empty(); ++i, dir = dir.parent_path()) {
    looked->push_back(dir.string());
    if (holds_data(dir)) return dir.string();
    if (dir == dir.parent_path()) break;
  }
  return "";
}

}  // namespace

std::string executable_path() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return buf;
}

std::string data_root() {
  static const std::string root = [] {
    std::vector<std::string> looked;
    std::string found = find_data_root(&looked);
    if (found.empty()) {
      std::string where;
      for (const std::string& l : looked) where += "\n  " + l;
      throw Error(std::string("cannot find trnsim's data (") + kMarker + ") in:" + where +
                  "\nset TRNSIM_DATA to an installed <prefix>/share/trnsim or the source tree");
    }
    return found;
  }();
  return root;
}

std::string data_path(const std::string& relative) { return data_root() + "/" + relative; }

}  // namespace trnsim::sim
