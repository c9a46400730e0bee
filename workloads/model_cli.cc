#include "workloads/model_cli.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include "isa/error.h"
#include "sim/cli/progress.h"
#include "sim/config/data_dir.h"
#include "sim/stats/text_table.h"
#include "workloads/collectives.h"
#include "workloads/hf_config.h"
#include "workloads/kernel_set.h"
#include "workloads/model_timeline.h"
#include "workloads/model_timing.h"
#include "workloads/nki_op.h"
#include "workloads/op_timer.h"
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
std::function<void(int64_t, int64_t)> progress_bar(const std::string& what, bool quiet) {
  if (!cli::progress_enabled(quiet)) return {};
  auto bar = std::make_shared<cli::ProgressBar>(what, true);
  return [bar](int64_t done, int64_t total) {
    bar->update(done, total);
    if (done >= total) bar->finish();
  };
}

std::string ran(const OpSummary& s) {
  return (s.nki.empty() ? s.kernel + "/" + s.variant : "NKI " + s.nki) +
         (s.lnc_split.empty() ? "" : " /" + s.lnc_split);
}

void print_ops(std::ostream& out, const std::string& title, const PhaseTiming& p) {
  out << title << " (one layer: " << strformat("%.2f", p.layer_ns() / 1e3) << " us, compute "
      << strformat("%.2f", p.layer_compute_ns / 1e3) << " us, all-reduce "
      << strformat("%.2f", p.layer_collective_ns / 1e3) << " us)\n";
  sim::TextTable t;
  t.add_row({"op", "kernel that ran", "count", "instrs", "us each", "us total", "% layer"});
  for (const OpSummary& s : p.layer_ops)
    t.add_row({s.name, ran(s), strformat("%g", s.count),
               strformat("%lld", (long long)s.instructions), strformat("%.3f", s.ns_each / 1e3),
               strformat("%.2f", s.ns() / 1e3),
               strformat("%.1f", p.layer_ns() > 0 ? 100 * s.ns() / p.layer_ns() : 0)});
  for (const OpSummary& s : p.head_ops)
    t.add_row({"(head) " + s.name, ran(s), strformat("%g", s.count),
               strformat("%lld", (long long)s.instructions),
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
  out << strformat("MACs: %.4g total, %.2f%% inside NKI kernels (measured from their "
                   "instructions); %lld kernel simulations\n",
                   mt.macs, mt.macs > 0 ? 100 * mt.nki_macs / mt.macs : 0.0,
                   (long long)mt.simulations);
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
                        const sim::HwConfig& hw, NkiTracer& nki, std::ostream& out) {
  const ModelConfig vc = values_config(c, a.values_layers, a.values_vocab, a.values_experts);
  out << strformat("values check: %lld layers, vocab %lld", (long long)vc.num_layers,
                   (long long)vc.vocab_size);
  if (vc.is_moe()) out << strformat(", %lld experts", (long long)vc.num_experts);
  out << strformat(", prompt %lld, %lld greedy tokens, kernel set %s\n", (long long)a.prompt_len,
                   (long long)a.gen, set.name.c_str());
  const ModelWeights w =
      a.weights.empty() ? random_weights(vc, a.seed) : load_weights(vc, a.weights);
  ValuesOptions opts;
  opts.nki = &nki;
  opts.limits = hw.memory.limits;
  opts.logits = {a.logit_atol, a.logit_rtol, a.divergence_tol};
  opts.progress = progress_bar("values " + set.name, a.quiet);
  const ValuesReport r =
      check_values(vc, w, set, random_prompt(a.prompt_len, vc.vocab_size, a.seed), a.gen, opts);
  out << r.text();
  return r;
}

// Each role's NKI argument convention at the model's per-rank shapes (prefill and decode).
void print_nki_roles(std::ostream& out, const ModelConfig& c, const RunShape& rs) {
  const KernelSet set = default_kernel_set();
  const RankShapes r = rank_shapes(c, rs.tp);
  out << "NKI argument convention per op role (parameters by name, 2-D row-major HBM tensors; "
         "return the outputs in this order)\n";
  for (Phase phase : {Phase::kPrefill, Phase::kDecode}) {
    for (bool fused : {false, true}) {
      const int64_t tokens = phase == Phase::kPrefill ? rs.prompt_len : 1;
      PlanShape ps{phase, rs.batch, tokens, rs.prompt_len + (phase == Phase::kDecode), fused};
      std::vector<OpInstance> ops = layer_ops(c, r, ps);
      for (const OpInstance& op : head_ops(c, r, ps)) ops.push_back(op);
      for (const OpInstance& op : ops) {
        const bool fused_op = op.role == "attention_prefill" || op.role == "attention_decode";
        if (fused != fused_op) continue;
        const KernelChoice& ch = set.choice(op.role, phase);
        const kernels::KernelDef& def = kernels::find_kernel(ch.kernel);
        const kernels::KernelConfig kc = op_config(op, ch, set.dtype);
        out << strformat("  %-7s %-18s %-15s ", phase == Phase::kPrefill ? "prefill" : "decode",
                         op.role.c_str(), op.name.c_str())
            << role_signature(def, kc).text() << "\n";
      }
    }
  }
}

void print_score(std::ostream& out, const KernelSet& ref_set, const ModelTiming& ref,
                 const KernelSet& set, const ModelTiming& mt, const ValuesReport* values) {
  ScoreInputs in;
  in.values_checked = values != nullptr;
  in.values_ok = values == nullptr || values->ok;
  in.ttft_ns = mt.ttft_ns;
  in.ref_ttft_ns = ref.ttft_ns;
  in.tokens_per_s = mt.tokens_per_s;
  in.ref_tokens_per_s = ref.tokens_per_s;
  in.macs = mt.macs;
  in.nki_macs = mt.nki_macs;
  out << "\ncontest score of " << set.name << " against " << ref_set.name
      << (values ? "" : " (values not checked: accuracy taken as 1)") << "\n"
      << contest_score(in).text();
}

// LNC degree and collective links of the run: the target's entry of sim/configs/links.json,
// overridden by --lnc, --link-gbps, --link-latency-us.
void set_links(const ModelArgs& a, const sim::HwConfig& hw, RunShape& rs) {
  if (a.link_gbps < 0) throw Error("--link-gbps must be positive (0: from links.json)");
  if (a.link_latency_us < 0 && a.link_latency_us != -1)
    throw Error("--link-latency-us must be non-negative");
  const TargetLinks t = load_target_links(hw.name);
  rs.lnc = a.lnc == 0 ? t.default_lnc : a.lnc;
  check_lnc(t, rs.lnc);
  rs.lnc_barrier_ns = t.lnc_barrier_ns;
  rs.link = rank_link(t, rs.lnc);
  if (a.link_gbps > 0) rs.link.link_bytes_per_ns = a.link_gbps;
  if (a.link_latency_us >= 0) rs.link.hop_latency_ns = a.link_latency_us * 1e3;
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
  cmd.add_option("--lnc", a.lnc,
                 "physical NeuronCores per rank: 1, or 2 on trn2/trn3 (default: the target's, "
                 "2 on trn2/trn3, 1 on trn1)");
  cmd.add_option("--link-gbps", a.link_gbps,
                 "per-rank collective link bandwidth, GB/s (default: from sim/configs/links.json)");
  cmd.add_option("--link-latency-us", a.link_latency_us,
                 "collective per-step latency, us (default: from sim/configs/links.json)");
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
  cmd.add_option("--reference", a.reference,
                 "kernel set the score of a single --kernels set is taken against")
      ->capture_default_str();
  cmd.add_option("--out,-o", a.out,
                 "results folder: timeline.json, the per-op Perfetto timeline of the prefill "
                 "and the last decode step");
  cmd.add_flag("--nki-roles", a.nki_roles,
               "print the NKI kernel argument convention of every op role at this model's "
               "shapes, then stop");
  cmd.add_option("--logit-atol", a.logit_atol, "contest logit check: absolute tolerance")
      ->capture_default_str();
  cmd.add_option("--logit-rtol", a.logit_rtol, "contest logit check: relative tolerance")
      ->capture_default_str();
  cmd.add_option("--divergence-tol", a.divergence_tol,
                 "contest logit check: allowed probability gap where greedy tokens diverge")
      ->capture_default_str();
  cmd.add_flag("--quiet,-q", a.quiet, "no progress bar (it is drawn only on a terminal anyway)");
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
  if (!(a.logit_atol >= 0) || !(a.logit_rtol >= 0) || !(a.divergence_tol >= 0))
    throw Error("--logit-atol, --logit-rtol and --divergence-tol must be non-negative");
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
  set_links(a, hw, rs);
  const RankShapes r = rank_shapes(c, a.tp);
  if (a.nki_roles) {
    print_nki_roles(out, c, rs);
    return 0;
  }
  out << strformat("model %s (%s): %lld layers, hidden %lld, TP %lld on %s, LNC %lld\n",
                   c.name.c_str(), arch_name(c.arch).c_str(), (long long)c.num_layers,
                   (long long)c.hidden_size, (long long)a.tp, hw.name.c_str(), (long long)rs.lnc);
  out << strformat("collectives: %.1f GB/s per rank, %.2f us per ring step\n",
                   rs.link.link_bytes_per_ns, rs.link.hop_latency_ns / 1e3);
  out << strformat("per-rank: %lld q heads, %lld kv heads, qkv %lld->%lld, o %lld->%lld, ",
                   (long long)r.q_heads, (long long)r.kv_heads, (long long)r.hidden,
                   (long long)(r.q_cols + 2 * r.kv_cols), (long long)r.o_in, (long long)r.hidden);
  if (c.is_moe())
    out << strformat("expert intermediate %lld, ", (long long)r.expert_inter);
  else
    out << strformat("gate+up %lld->%lld, down %lld->%lld, ", (long long)r.hidden,
                     (long long)(2 * r.mlp_inter), (long long)r.mlp_inter, (long long)r.hidden);
  out << strformat("lm_head %lld->%lld\n", (long long)r.hidden, (long long)r.vocab);

  // The sets to time: the reference first, the candidate last. A single candidate other than
  // the reference is scored against it.
  std::vector<std::string> sets = a.compare_kernels;
  if (sets.empty()) sets = {a.kernels};
  std::vector<KernelSet> loaded;
  for (const std::string& name : sets) loaded.push_back(load_kernel_set(name));
  if (loaded.size() == 1 && a.kernels != a.reference && loaded[0].name != a.reference)
    loaded.insert(loaded.begin(), load_kernel_set(a.reference));
  NkiTracer nki(hw.name);

  // Values first: an NKI op that fails its reference check stops the run before timing.
  std::unique_ptr<ValuesReport> values;
  if (a.values) {
    values = std::make_unique<ValuesReport>(run_values(a, c, loaded.back(), hw, nki, out));
    if (!values->failure.empty()) return 1;
  }
  std::vector<ModelTiming> timings;
  for (const KernelSet& set : loaded) {
    out << "\n== kernel set " << set.name << "\n";
    OpTimer timer(hw, set, &nki);
    const bool candidate = &set == &loaded.back();
    timer.keep_runs(candidate && !a.out.empty());
    timings.push_back(time_model(c, rs, timer, progress_bar("decode " + set.name, a.quiet)));
    print_timing(out, c, timings.back(), rs, a.layers_only);
  }
  if (!a.out.empty()) {
    std::filesystem::create_directories(a.out);
    const std::string path = a.out + "/timeline.json";
    write_model_timeline_file(path, c, timings.back());
    out << "\nper-op timeline (prefill, then the last decode step) of " << loaded.back().name
        << ": " << path << "\n";
  }
  if (timings.size() == 2 && rs.gen > 0)
    print_score(out, loaded[0], timings[0], loaded[1], timings[1], values.get());
  return !values || values->ok ? 0 : 1;
}

}  // namespace trnsim::workloads
