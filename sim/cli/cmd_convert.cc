// `trnsim convert IN OUT`: a trace from one format to the other. IN may be either format
// (recognised by its first bytes); OUT is binary when it ends in .trnb (or --to binary),
// canonical JSON otherwise (or --to json).
#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_json.h"
#include "sim/cli/commands.h"

namespace trnsim::cli {

void add_convert_command(CLI::App& app) {
  struct Args {
    std::string in, out, to = "auto";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "convert", "Convert a trace between JSON and the binary format (isa/TRACE_BINARY.md)");
  cmd->add_option("in", args->in, "trace file to read (JSON or binary)")->required();
  cmd->add_option("out", args->out, "trace file to write")->required();
  cmd->add_option("--to", args->to,
                  "output format: auto (binary if OUT ends in .trnb, else JSON), json or binary")
      ->check(CLI::IsMember({"auto", "json", "binary"}))
      ->capture_default_str();
  cmd->callback([args] {
    const isa::Program prog = isa::read_any_trace_file(args->in);
    const bool binary =
        args->to == "binary" || (args->to == "auto" && isa::has_binary_trace_extension(args->out));
    if (binary)
      isa::write_binary_trace_file(prog, args->out);
    else
      isa::write_trace_file(prog, args->out);
  });
}

}  // namespace trnsim::cli
