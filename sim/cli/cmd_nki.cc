// `trnsim nki KERNEL.py::FUNC ...` runs an unmodified NKI kernel through the Python front end,
// which traces it and calls back into this binary's `run`; `trnsim plot DIR` draws a results
// folder's timeline as a PNG (trnsim_nki.plot_timeline, matplotlib). Every argument except
// --python goes to the Python side unchanged, so `--help` prints its options.
#include <string>
#include <vector>

#include "sim/cli/commands.h"
#include "sim/cli/python_front_end.h"

namespace trnsim::cli {
namespace {

CLI::App* add_python_command(CLI::App& app, const std::string& name, const std::string& help,
                             const std::string& module) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->prefix_command();  // every argument goes to the Python side unchanged
  cmd->set_help_flag();   // ... including --help, which it answers
  cmd->callback([cmd, module] {
    std::vector<std::string> args = cmd->remaining();
    const std::string python = choose_python(take_python_option(&args));
    exec_python_module(python, module, args);
  });
  return cmd;
}

}  // namespace

void add_nki_command(CLI::App& app) {
  add_python_command(app, "nki",
                     "Run an NKI kernel: trnsim nki KERNEL.py::FUNC --input NAME=FILE.npy ... "
                     "(`trnsim nki --help` lists every option; --python PATH picks the "
                     "interpreter)",
                     "trnsim_nki");
  add_python_command(app, "plot",
                     "Draw a results folder's timeline as a PNG: trnsim plot DIR [-o FILE.png] "
                     "(needs matplotlib; --python PATH picks the interpreter)",
                     "trnsim_nki.plot_timeline");
}

}  // namespace trnsim::cli
