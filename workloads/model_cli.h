// `trnsim model CONFIG`: timing (and optionally values) of a whole Llama / Qwen3-MoE model run
// on the simulator. Library side of the subcommand: sim/cli/ registers the options with
// add_model_options and calls run_model_command from the subcommand's callback.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/session.h"

namespace trnsim::workloads {

struct ModelArgs {
  std::string config;  // HF config.json, or a shipped model name (llama-3.2-1b, qwen3-30b-a3b)
  int64_t prompt_len = 128, gen = 16, batch = 1, tp = 1;
  std::string kernels = "baseline";          // kernel set name or file
  std::vector<std::string> compare_kernels;  // two sets: reference then candidate
  sim::HwSelection hw;
  int64_t decode_bucket = 128;
  int64_t lnc = 0;  // physical cores per rank; 0: the target's default (sim/configs/links.json)
  double link_gbps = 0, link_latency_us = -1;  // overrides of links.json; 0 / -1: from it
  bool values = false;
  int64_t values_layers = 2;    // truncated model for --values
  int64_t values_vocab = 4096;  // vocabulary cap for --values (0: full)
  int64_t values_experts = 16;  // expert cap for --values on MoE models (0: all)
  std::string weights;          // safetensors file; empty: seeded random weights
  uint64_t seed = 1;
  bool layers_only = false;  // print only the summary lines
  std::string reference = "baseline";  // the score's reference set when --kernels is another set
  std::string out;                     // results folder: timeline.json (per-op timeline)
  bool nki_roles = false;              // print each role's NKI argument convention and stop
  double logit_atol = 1e-5, logit_rtol = 0.05, divergence_tol = 0.001;  // contest logit check
  bool quiet = false;        // no progress bar
};

void add_model_options(CLI::App& cmd, ModelArgs& args);
// Runs the command, printing to `out` (progress to stderr when it is a terminal). Returns the
// process exit code (0 ok, 1 values check failed). Throws trnsim::Error on bad input.
int run_model_command(const ModelArgs& args, std::ostream& out);
// Convenience for sim/cli: registers the `model` subcommand on `app` (options and a callback
// that prints to stdout; a failed values check exits with code 1 via CLI::RuntimeError).
CLI::App* add_model_subcommand(CLI::App& app);
// Resolves a model name or path to a config.json path.
std::string model_config_path(const std::string& name_or_path);

}  // namespace trnsim::workloads
