#include "workloads/model_cli.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include "isa/error.h"
#include "sim/cli/progress.h"
#include "sim/config/data_dir.h"
#include "sim/stats/text_table.h"
#include "workloads/hf_config.h"
#include "workloads/kernel_set.h"
#include "workloads/model_timing.h"
#include "workloads/score.h"
#include "workloads/values_check.h"
#include "workloads/weights.h"

namespace trnsim::workloads {
namespace {

using sim::strformat;

sim::HwConfig resolve_hw(const sim::HwSelection& sel) {
  sim::HwConfig base =
      sel.hw_file.empty() ? sim::load_target(sel.target) : sim::load_config_file(sel.hw_file);
  return sel.sets.empty() ? base : sim::with_overrides(base, sel.sets);
}

// Progress bar on stderr (sim/cli/progress.h), erased when the callback is destroyed.
std::function<void(int64_t, int64_t)> progress_bar(const std::string& what) {
  if (!cli::progress_enabled(false)) return {};
  auto bar = std::make_shared<cli::ProgressBar>(what, true);
  return [bar](int64_t done, int64_t total) {
    bar->update(done, total);
    if (done >= total) bar->finish();
  };
}

void print_ops(std::ostream& out, const std::string& title, const PhaseTiming& p) {
  out << title << " (one layer: " << strformat("%.2f", p.layer_ns() / 1e3) << " us, compute "
      << strformat("%.2f", p.layer_compute_ns / 1e3) << " us, all-reduce "
      << strformat("%.2f", p.layer_collective_ns / 1e3) << " us)\n";
  sim::TextTable t;
  t.add_row({"op", "kernel", "variant", "count", "instrs", "us each", "us total", "% layer"});
  for (const OpSummary& s : p.layer_ops)
    t.add_row({s.name, s.kernel, s.variant + (s.custom ? " *" : ""), strformat("%g", s.count),
               strformat("%lld", (long long)s.instructions), strformat("%.3f", s.ns_each / 1e3),
               strformat("%.2f", s.ns() / 1e3),
               strformat("%.1f", p.layer_ns() > 0 ? 100 * s.ns() / p.layer_ns() : 0)});
  for (const OpSummary& s : p.head_ops)
    t.add_row({"(head) " + s.name, s.kernel, s.variant + (s.custom ? " *" : ""),
               strformat("%g", s.count), strformat("%lld", (long long)s.instructions),
               strformat("%.3f", s.ns_each / 1e3), strformat("%.2f", s.ns() / 1e3), "-"});
  out << t.str();
}

void print_timing(std::ostream& out, const ModelConfig& c, const ModelTiming& mt,
                  const RunShape& rs, bool summary_only) {
  out << strformat("TTFT (prefill %lld x %lld tokens): %.3f ms\n", (long long)rs.batch,
                   (long long)rs.prompt_len, mt.ttft_ns / 1e6);
  if (rs.gen > 0) {
    out << strformat("decode latency per token: %.3f us (mean of %lld steps; last step %.3f us)\n",
                     mt.decode_ns_per_step / 1e3, (long long)rs.gen,
                     mt.decode_step_ns.back() / 1e3);
    out << strformat("tokens/s: %.1f (batch %lld)\n", mt.tokens_per_s, (long long)rs.batch);
  }
  out << strformat("per layer: prefill %.2f us, decode (last step) %.2f us; %lld layers\n",
                   mt.prefill.layer_ns() / 1e3, mt.decode_last.layer_ns() / 1e3,
                   (long long)c.num_layers);
  out << strformat("MACs: %.4g total, %.1f%% in custom kernels; %lld kernel simulations\n", mt.macs,
                   mt.macs > 0 ? 100 * mt.custom_macs / mt.macs : 0.0, (long long)mt.simulations);
  if (summary_only) return;
  print_ops(out, "prefill per-op breakdown", mt.prefill);
  if (rs.gen > 0) print_ops(out, "decode per-op breakdown, last step", mt.decode_last);
}

std::vector<int64_t> random_prompt(int64_t len, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> u(0, vocab - 1);
  std::vector<int64_t> p;
  for (int64_t i = 0; i < len; ++i) p.push_back(u(rng));
  return p;
}

ValuesReport run_values(const ModelArgs& a, const ModelConfig& c, const KernelSet& set,
                        std::ostream& out) {
  const ModelConfig vc = values_config(c, a.values_layers, a.values_vocab, a.values_experts);
  out << strformat("values check: %lld layers, vocab %lld", (long long)vc.num_layers,
                   (long long)vc.vocab_size);
  if (vc.is_moe()) out << strformat(", %lld experts", (long long)vc.num_experts);
  out << strformat(", prompt %lld, %lld greedy tokens, kernel set %s\n", (long long)a.prompt_len,
                   (long long)a.gen, set.name.c_str());
  const ModelWeights w =
      a.weights.empty() ? random_weights(vc, a.seed) : load_weights(vc, a.weights);
  const ValuesReport r =
      check_values(vc, w, set, random_prompt(a.prompt_len, vc.vocab_size, a.seed), a.gen);
  out << r.text();
  return r;
}

}  // namespace

std::string model_config_path(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos ||
      name_or_path.find(".json") != std::string::npos)
    return name_or_path;
  return sim::data_path("workloads/models/" + name_or_path + "/config.json");
}

void add_model_options(CLI::App& cmd, ModelArgs& a) {
  cmd.add_option("config", a.config,
                 "HF config.json, or a shipped model: llama-3.2-1b, qwen3-30b-a3b")
      ->required();
  cmd.add_option("--prompt-len,-P", a.prompt_len, "prompt tokens per sequence")
      ->capture_default_str();
  cmd.add_option("--gen,-G", a.gen, "decode steps (generated tokens per sequence)")
      ->capture_default_str();
  cmd.add_option("--batch,-B", a.batch, "sequences")->capture_default_str();
  cmd.add_option("--tp", a.tp, "tensor parallel degree (one rank is simulated)")
      ->capture_default_str();
  cmd.add_option("--kernels", a.kernels, "kernel set: name in workloads/kernel_sets or a file")
      ->capture_default_str();
  cmd.add_option("--compare-kernels", a.compare_kernels,
                 "REFERENCE CANDIDATE kernel sets: time both and print the contest score")
      ->expected(2);
  cmd.add_option("--target,-t", a.hw.target, "hardware generation: trn1, trn2 or trn3")
      ->capture_default_str();
  cmd.add_option("--hw", a.hw.hw_file, "hardware config file");
  cmd.add_option("--set", a.hw.sets, "override a hardware config number: key.path=value");
  cmd.add_option("--decode-bucket", a.decode_bucket,
                 "decode steps time the cache length rounded up to this multiple (1: exact)")
      ->capture_default_str();
  cmd.add_option("--link-gbps", a.link_gbps, "collective link bandwidth, GB/s (APPROX)")
      ->capture_default_str();
  cmd.add_option("--link-latency-us", a.link_latency_us, "collective per-step latency, us")
      ->capture_default_str();
  cmd.add_flag("--values", a.values,
               "also run the numerics on a truncated model and compare "
               "with the float64 reference");
  cmd.add_option("--values-layers", a.values_layers, "layers of the --values model")
      ->capture_default_str();
  cmd.add_option("--values-vocab", a.values_vocab, "vocabulary cap of the --values model (0: full)")
      ->capture_default_str();
  cmd.add_option("--values-experts", a.values_experts, "expert cap of the --values model (0: all)")
      ->capture_default_str();
  cmd.add_option("--weights", a.weights, "safetensors weights (default: seeded random)");
  cmd.add_option("--seed", a.seed, "seed of random weights and prompt")->capture_default_str();
  cmd.add_flag("--summary", a.layers_only, "print only the summary lines, no per-op tables");
}

CLI::App* add_model_subcommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "model", "time a Llama / Qwen3-MoE model (prefill, decode) from a HF config.json");
  auto args = std::make_shared<ModelArgs>();
  add_model_options(*cmd, *args);
  cmd->callback([args] {
    const int rc = run_model_command(*args, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
  return cmd;
}

int run_model_command(const ModelArgs& a, std::ostream& out) {
  if (!a.weights.empty() && !a.values)
    throw Error("--weights " + a.weights + " is used only with --values (nothing reads it)");
  const ModelConfig c = load_hf_config(model_config_path(a.config));
  if (a.values)  // refuse a values model that cannot be built before timing the whole model
    check_weights_fit_host_memory(
        values_config(c, a.values_layers, a.values_vocab, a.values_experts));
  const sim::HwConfig hw = resolve_hw(a.hw);
  RunShape rs;
  rs.prompt_len = a.prompt_len;
  rs.gen = a.gen;
  rs.batch = a.batch;
  rs.tp = a.tp;
  rs.decode_bucket = a.decode_bucket;
  if (!(a.link_gbps > 0) || a.link_latency_us < 0)
    throw Error("--link-gbps must be positive and --link-latency-us non-negative");
  rs.link.link_bytes_per_ns = a.link_gbps;
  rs.link.hop_latency_ns = a.link_latency_us * 1e3;
  const RankShapes r = rank_shapes(c, a.tp);
  out << strformat("model %s (%s): %lld layers, hidden %lld, TP %lld on %s\n", c.name.c_str(),
                   arch_name(c.arch).c_str(), (long long)c.num_layers, (long long)c.hidden_size,
                   (long long)a.tp, hw.name.c_str());
  out << strformat("per-rank: %lld q heads, %lld kv heads, qkv %lld->%lld, o %lld->%lld, ",
                   (long long)r.q_heads, (long long)r.kv_heads, (long long)r.hidden,
                   (long long)(r.q_cols + 2 * r.kv_cols), (long long)r.o_in, (long long)r.hidden);
  if (c.is_moe())
    out << strformat("expert intermediate %lld, ", (long long)r.expert_inter);
  else
    out << strformat("gate+up %lld->%lld, down %lld->%lld, ", (long long)r.hidden,
                     (long long)(2 * r.mlp_inter), (long long)r.mlp_inter, (long long)r.hidden);
  out << strformat("lm_head %lld->%lld\n", (long long)r.hidden, (long long)r.vocab);

  std::vector<std::string> sets = a.compare_kernels;
  if (sets.empty()) sets = {a.kernels};
  std::vector<ModelTiming> timings;
  std::vector<KernelSet> loaded;
  for (const std::string& name : sets) loaded.push_back(load_kernel_set(name));
  for (const KernelSet& set : loaded) {
    out << "\n== kernel set " << set.name << "\n";
    OpTimer timer(hw, set);
    timings.push_back(time_model(c, rs, timer, progress_bar("decode " + set.name)));
    print_timing(out, c, timings.back(), rs, a.layers_only);
  }
  bool values_ok = true;
  if (a.values) {
    out << "\n";
    values_ok = run_values(a, c, loaded.back(), out).ok;
  }
  if (timings.size() == 2) {
    ScoreInputs in;
    in.values_checked = a.values;
    in.values_ok = values_ok;
    in.ttft_ns = timings[1].ttft_ns;
    in.ref_ttft_ns = timings[0].ttft_ns;
    in.tokens_per_s = timings[1].tokens_per_s;
    in.ref_tokens_per_s = timings[0].tokens_per_s;
    in.macs = timings[1].macs;
    in.custom_macs = timings[1].custom_macs;
    out << "\ncontest score of " << loaded[1].name << " against " << loaded[0].name
        << (a.values ? "" : " (values not checked: accuracy taken as 1)") << "\n"
        << contest_score(in).text();
  }
  return values_ok ? 0 : 1;
}

}  // namespace trnsim::workloads
