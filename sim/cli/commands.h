// The trnsim subcommands. Each add_* registers one subcommand (options and callback) on the
// top-level CLI11 app; callbacks throw trnsim::Error for bad input, which main() reports.
#pragma once

#include <CLI/CLI.hpp>

namespace trnsim::cli {

void add_run_command(CLI::App& app);
void add_isa_command(CLI::App& app);
void add_schema_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_nki_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_rank_command(CLI::App& app);
void add_convert_command(CLI::App& app);

}  // namespace trnsim::cli
