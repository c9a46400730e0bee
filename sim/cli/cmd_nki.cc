// `trnsim nki KERNEL.py::FUNC ...` runs an unmodified NKI kernel through the Python front end
// (kernels/nki/trnsim_nki under the data root), which traces it and calls back into this
// binary's `run`. Every argument except --python goes to the front end unchanged, so
// `trnsim nki --help` prints the front end's options.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "isa/error.h"
#include "sim/cli/commands.h"
#include "sim/config/data_dir.h"

namespace trnsim::cli {
namespace {

// True when `python` starts and imports numpy (the front end's one dependency).
bool python_has_numpy(const std::string& python) {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execlp(python.c_str(), python.c_str(), "-c", "import numpy", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The interpreter the user runs: --python, else $TRNSIM_PYTHON, else the first of python3 on
// PATH and Debian's /usr/bin/python3 that has numpy.
std::string choose_python(const std::string& requested) {
  if (!requested.empty()) return requested;
  if (const char* p = std::getenv("TRNSIM_PYTHON"); p && *p) return p;
  for (const char* candidate : {"python3", "/usr/bin/python3"})
    if (python_has_numpy(candidate)) return candidate;
  throw Error("trnsim nki: no python3 with numpy found (tried python3 on PATH and "
              "/usr/bin/python3); install python3-numpy or pass --python PATH");
}

// Removes `--python X` / `--python=X` from args and returns X ("" if absent).
std::string take_python_option(std::vector<std::string>* args) {
  std::string python;
  for (size_t i = 0; i < args->size();) {
    const std::string& a = (*args)[i];
    if (a == "--python") {
      if (i + 1 >= args->size()) throw Error("trnsim nki: --python needs an interpreter path");
      python = (*args)[i + 1];
      args->erase(args->begin() + i, args->begin() + i + 2);
    } else if (a.rfind("--python=", 0) == 0) {
      python = a.substr(9);
      args->erase(args->begin() + i);
    } else {
      ++i;
    }
  }
  return python;
}

}  // namespace

void add_nki_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "nki", "Run an NKI kernel: trnsim nki KERNEL.py::FUNC --input NAME=FILE.npy ... --out DIR "
             "(`trnsim nki --help` lists every option; --python PATH picks the interpreter)");
  cmd->prefix_command();  // every argument goes to the Python front end unchanged
  cmd->set_help_flag();   // ... including --help, which the front end answers
  cmd->callback([cmd] {
    std::vector<std::string> args = cmd->remaining();
    const std::string python = choose_python(take_python_option(&args));
    const std::string py_path = sim::data_path("kernels/nki");
    const char* old = std::getenv("PYTHONPATH");
    setenv("PYTHONPATH", (old && *old ? py_path + ":" + old : py_path).c_str(), 1);
    if (!std::getenv("TRNSIM_BIN")) setenv("TRNSIM_BIN", sim::executable_path().c_str(), 1);
    std::vector<std::string> argv_s = {python, "-m", "trnsim_nki"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    execvp(python.c_str(), argv.data());
    throw Error("trnsim nki: cannot start " + python);
  });
}

}  // namespace trnsim::cli
