// `trnsim nki KERNEL.py::FUNC ...` runs an unmodified NKI kernel through the Python front end
// (kernels/nki/trnsim_nki), which traces it and calls back into this binary's `run`.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "isa/error.h"
#include "sim/cli/commands.h"

namespace trnsim::cli {
namespace {

std::string self_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "trnsim";
  buf[n] = '\0';
  return buf;
}

std::string python_binary() {
  if (const char* p = std::getenv("TRNSIM_PYTHON")) return p;
  // Debian's interpreter sees python3-numpy; the first python3 on PATH may not.
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

}  // namespace

void add_nki_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "nki", "Run an NKI kernel: trnsim nki KERNEL.py::FUNC --input NAME=FILE.npy ... --out DIR");
  cmd->prefix_command();  // every argument goes to the Python front end unchanged
  cmd->callback([cmd] {
    std::vector<std::string> args = cmd->remaining();
    const std::string source_dir = TRNSIM_SOURCE_DIR;
    const std::string py_path = source_dir + "/kernels/nki";
    const char* old = std::getenv("PYTHONPATH");
    setenv("PYTHONPATH", (old && *old ? py_path + ":" + old : py_path).c_str(), 1);
    if (!std::getenv("TRNSIM_BIN")) setenv("TRNSIM_BIN", self_path().c_str(), 1);
    const std::string python = python_binary();
    std::vector<std::string> argv_s = {python, "-m", "trnsim_nki"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    execvp(python.c_str(), argv.data());
    throw Error("trnsim nki: cannot start " + python + " (needs Debian's python3 and numpy)");
  });
}

}  // namespace trnsim::cli
