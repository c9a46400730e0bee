// Running a module of the Python front end (kernels/nki/trnsim_nki under the data root) in the
// interpreter the user runs: --python PATH, else $TRNSIM_PYTHON, else the first of python3 on
// PATH and /usr/bin/python3 that has numpy. The child gets PYTHONPATH (the front end first)
// and TRNSIM_BIN (this binary, unless set) so that it calls back into this `trnsim`.
#pragma once

#include <string>
#include <vector>

namespace trnsim::cli {

// Removes `--python X` / `--python=X` from args and returns X ("" if absent).
std::string take_python_option(std::vector<std::string>* args);

// The interpreter to use (see above); throws trnsim::Error when none has numpy.
std::string choose_python(const std::string& requested);

// Replaces this process with `python -m module args...`; throws trnsim::Error if it cannot.
[[noreturn]] void exec_python_module(const std::string& python, const std::string& module,
                                     const std::vector<std::string>& args);

}  // namespace trnsim::cli
