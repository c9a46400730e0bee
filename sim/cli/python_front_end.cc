#include "sim/cli/python_front_end.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "isa/error.h"
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

}  // namespace

std::string take_python_option(std::vector<std::string>* args) {
  std::string python;
  for (size_t i = 0; i < args->size();) {
    const std::string& a = (*args)[i];
    if (a == "--python") {
      if (i + 1 >= args->size()) throw Error("--python needs an interpreter path");
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

std::string choose_python(const std::string& requested) {
  if (!requested.empty()) return requested;
  if (const char* p = std::getenv("TRNSIM_PYTHON"); p && *p) return p;
  for (const char* candidate : {"python3", "/usr/bin/python3"})
    if (python_has_numpy(candidate)) return candidate;
  throw Error("no python3 with numpy found (tried python3 on PATH and /usr/bin/python3); "
              "install python3-numpy or pass --python PATH");
}

void exec_python_module(const std::string& python, const std::string& module,
                        const std::vector<std::string>& args) {
  const std::string py_path = sim::data_path("kernels/nki");
  const char* old = std::getenv("PYTHONPATH");
  setenv("PYTHONPATH", (old && *old ? py_path + ":" + old : py_path).c_str(), 1);
  if (!std::getenv("TRNSIM_BIN")) setenv("TRNSIM_BIN", sim::executable_path().c_str(), 1);
  std::vector<std::string> argv_s = {python, "-m", module};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  execvp(python.c_str(), argv.data());
  throw Error("cannot start " + python + " (from --python, $TRNSIM_PYTHON or PATH)");
}

}  // namespace trnsim::cli
