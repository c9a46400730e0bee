// The author's NKI kernels inside `trnsim model`: kernel-set entries, the role convention,
// tracing, timing with measured MACs, the per-op values check against the reference op, and the
// command's modes (values + score + timeline, --nki-roles, errors) on a tiny model made here.
#include <gtest/gtest.h>

#include <fstream>

#include "isa/error.h"
#include "kernels/harness.h"
#include "tests/cli/cli_util.h"
#include "workloads/model_cli.h"
#include "workloads/model_timeline.h"
#include "workloads/model_timing.h"
#include "workloads/nki_op.h"
#include "workloads/op_timer.h"
#include "workloads/values_check.h"

namespace trnsim::workloads {
namespace {

using cli::testing::CommandResult;
using cli::testing::read_json;
using cli::testing::source_path;
using trnsim::testing::TempDir;

const std::string kExamples = "kernels/nki/examples/model/";

std::string example(const std::string& file) { return source_path(kExamples + file); }

// A Llama with small dims (hidden 256, 2 layers): the NKI kernels trace and run in seconds.
ModelConfig tiny_llama() {
  ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  c.hidden_size = 256;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 64;
  c.intermediate_size = 384;
  c.vocab_size = 512;
  c.num_layers = 2;
  return c;
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The same model as a HF config.json for the command: the shipped Llama config, resized.
void write_tiny_config(const std::string& path) {
  nlohmann::json j = read_json(model_config_path("llama-3.2-1b"));
  j["hidden_size"] = 256;
  j["intermediate_size"] = 384;
  j["num_attention_heads"] = 4;
  j["num_key_value_heads"] = 2;
  j["head_dim"] = 64;
  j["num_hidden_layers"] = 2;
  j["vocab_size"] = 512;
  write_text(path, j.dump());
}

std::string nki_set_json(const std::string& norm, const std::string& mlp) {
  return R"({"name": "tiny_nki", "ops": {"norm": {"nki": ")" + norm + R"("},
             "mlp": {"nki": ")" + mlp + R"(", "kwargs": {"token_tile": 128}}}})";
}

KernelSet example_set() {
  return parse_kernel_set(nki_set_json(example("rmsnorm_residual.py::rmsnorm_residual"),
                                       example("swiglu_mlp.py::swiglu_mlp")),
                          "tiny_nki");
}

void expect_has(const std::string& text, const std::string& want) {
  EXPECT_NE(text.find(want), std::string::npos) << "expected '" << want << "' in:\n" << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NkiKernelSet, EntriesNameKernelsRelativeToTheSetFile) {
  TempDir d;
  write_text(d / "k.py", "def f(x): pass\n");
  write_text(d / "set.json",
             R"({"ops": {"mlp": {"nki": "k.py::f", "kwargs": {"a": 2, "b": [1, 2]},
                 "decode": {"variant": "fused"}}}})");
  const KernelSet s = load_kernel_set(d / "set.json");
  const KernelChoice& pre = s.choice("mlp", Phase::kPrefill);
  ASSERT_TRUE(pre.is_nki());
  EXPECT_EQ(pre.nki->file, d / "k.py");
  EXPECT_EQ(pre.nki->function, "f");
  EXPECT_EQ(pre.nki->kwargs_json, R"({"a":2,"b":[1,2]})");
  EXPECT_EQ(pre.label(), "k.py::f");
  EXPECT_EQ(pre.nki->spec, "k.py::f");
  EXPECT_FALSE(s.choice("mlp", Phase::kDecode).is_nki());  // decode overrides with a library kernel
  EXPECT_EQ(s.choice("mlp", Phase::kDecode).variant, "fused");
  EXPECT_EQ(s.choice("mlp", Phase::kDecode).kernel, "swiglu");
  // A decode kernel of its own: the same kernel keeps the kwargs, another starts without.
  write_text(d / "k2.py", "def g(x): pass\n");
  const KernelSet same = parse_kernel_set(
      R"({"ops": {"mlp": {"nki": "k.py::f", "kwargs": {"a": 2}, "decode": {"nki": "k.py::f"}}}})",
      "s", d.path());
  EXPECT_EQ(same.choice("mlp", Phase::kDecode).nki->kwargs_json, R"({"a":2})");
  const KernelSet other = parse_kernel_set(
      R"({"ops": {"mlp": {"nki": "k.py::f", "kwargs": {"a": 2}, "decode": {"nki": "k2.py::g"}}}})",
      "s", d.path());
  EXPECT_EQ(other.choice("mlp", Phase::kDecode).nki->function, "g");
  EXPECT_EQ(other.choice("mlp", Phase::kDecode).nki->kwargs_json, "{}");
}

TEST(NkiKernelSet, BadEntriesAreClearErrors) {
  TempDir d;
  write_text(d / "k.py", "def f(x): pass\n");
  const std::string base = d.path();
  auto parse = [&](const std::string& ops) {
    return error_of([&] { parse_kernel_set(R"({"ops": )" + ops + "}", "s.json", base); });
  };
  expect_has(parse(R"({"mlp": {"nki": "k.py"}})"), "ops.mlp.nki: expected \"FILE.py::FUNCTION\"");
  expect_has(parse(R"({"mlp": {"nki": "gone.py::f"}})"), "cannot open " + base + "/gone.py");
  expect_has(parse(R"({"mlp": {"kwargs": {"a": 1}}})"), "need an \"nki\" kernel");
  expect_has(parse(R"({"mlp": {"nki": "k.py::f", "variant": "fused"}})"), "replaces the library");
  expect_has(parse(R"({"mlp": {"nki": "k.py::f", "kwargs": 3}})"), "kwargs: expected an object");
  // The self-declared custom flag is gone, with the reason.
  const std::string custom = parse(R"({"mlp": {"variant": "fused", "custom": true}})");
  expect_has(custom, "ops.mlp.custom: the 'custom' flag is gone");
  expect_has(custom, "measured from the instructions of the NKI kernels");
}

TEST(NkiRoles, ConventionIsTheLibraryKernelsTensors) {
  const kernels::KernelDef& norm = kernels::find_kernel("rmsnorm_residual");
  const RoleSignature s =
      role_signature(norm, kernels::resolve_config(norm, {{"rows", 8}, {"cols", 256}},
                                                   isa::DType::kBf16));
  EXPECT_EQ(s.text(),
            "(x [8, 256] bfloat16, res [8, 256] bfloat16, w [1, 256] bfloat16) -> "
            "(y [8, 256] bfloat16, h [8, 256] bfloat16)");
}

TEST(NkiOp, TracesOncePerShapeAndRunsAgainstTheReference) {
  NkiTracer tracer("trn1");
  const KernelSet set = example_set();
  const kernels::KernelDef& def = kernels::find_kernel("rmsnorm_residual");
  const kernels::KernelConfig kc =
      kernels::resolve_config(def, {{"rows", 8}, {"cols", 256}}, isa::DType::kBf16);
  const RoleSignature sig = role_signature(def, kc);
  const NkiKernelRef& k = *set.choice("norm", Phase::kPrefill).nki;
  const NkiProgram& p = tracer.trace(k, sig, "op norm");
  EXPECT_EQ(p.returned.size(), 2u);
  EXPECT_EQ(&tracer.trace(k, sig, "op norm"), &p);  // cached
  EXPECT_EQ(tracer.traces(), 1);
  const kernels::Tensors in = kernels::make_inputs(def, kc, 3);
  const kernels::Tensors got = run_nki_values(p, in, kernels::trn1_limits());
  const kernels::CheckResult r = kernels::check_outputs(got, def.reference(kc, in), 4e-2);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_GT(r.max_abs_err, 0);  // bf16 outputs: the comparison is live
}

TEST(NkiOp, KernelsOffTheConventionAreNamedErrors) {
  TempDir d;
  write_text(d / "bad.py", R"(import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def wrong_names(a, res, w):
    return a

@nki.jit
def one_output(x, res, w):
    y = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    nl.store(y, value=nl.load(x))
    return y

@nki.jit
def asserts(x, res, w):
    assert x.shape[0] % 128 == 0, "rows must be a multiple of 128"
)");
  const kernels::KernelDef& def = kernels::find_kernel("rmsnorm_residual");
  const RoleSignature sig = role_signature(
      def, kernels::resolve_config(def, {{"rows", 8}, {"cols", 128}}, isa::DType::kBf16));
  NkiTracer tracer("trn1");
  auto trace = [&](const std::string& f) {
    NkiKernelRef k{"bad.py::" + f, d / "bad.py", f, "{}"};
    return error_of([&] { tracer.trace(k, sig, "op input_norm"); });
  };
  const std::string names = trace("wrong_names");
  expect_has(names, "op input_norm (NKI kernel bad.py::wrong_names): tracing failed");
  expect_has(names, "(x [8, 128] bfloat16, res");  // the convention it must follow
  expect_has(trace("one_output"), "returns 1 tensor(s), the role's convention returns 2");
  expect_has(trace("asserts"), "rows must be a multiple of 128");
  EXPECT_EQ(trace("asserts").find("Traceback"), std::string::npos);
}

TEST(NkiModel, TimingCountsTheNkiKernelsMacsFromTheirInstructions) {
  const ModelConfig c = tiny_llama();
  const sim::HwConfig hw = sim::load_target("trn1");
  const KernelSet set = example_set();
  OpTimer timer(hw, set);
  RunShape rs;
  rs.prompt_len = 16;
  rs.gen = 2;
  const ModelTiming mt = time_model(c, rs, timer);
  const OpSummary* mlp = nullptr;
  for (const OpSummary& s : mt.prefill.layer_ops)
    if (s.name == "mlp") mlp = &s;
  ASSERT_NE(mlp, nullptr);
  EXPECT_EQ(mlp->nki, "swiglu_mlp.py::swiglu_mlp");
  // The kernel's matmuls are exactly the op's 3 x tokens x hidden x inter MACs.
  EXPECT_DOUBLE_EQ(mlp->nki_macs_each, 3.0 * 16 * 256 * 384);
  EXPECT_GT(mlp->ns_each, 0);
  // Norms do no matmul: their NKI MACs are 0; the fraction is the MLPs' share of all MACs.
  for (const OpSummary& s : mt.prefill.layer_ops)
    if (s.name == "input_norm") {
      EXPECT_EQ(s.nki_macs_each, 0);
    }
  const double mlp_macs = 2 * 3.0 * 256 * 384 * (16 + 1 + 1);  // 2 layers; prefill + 2 steps
  EXPECT_NEAR(mt.nki_macs, mlp_macs, 1e-6 * mlp_macs);
  EXPECT_GT(mt.macs, mt.nki_macs);
  // The library set's MLP does the same MACs, none of which count.
  const KernelSet lib = load_kernel_set("baseline");
  OpTimer lib_timer(hw, lib);
  EXPECT_EQ(time_model(c, rs, lib_timer).nki_macs, 0);
}

TEST(NkiModel, ValuesCheckRunsEachNkiOpAgainstItsReferenceOp) {
  const ModelConfig c = tiny_llama();
  const ModelWeights w = random_weights(c, 11);
  const ValuesReport r = check_values(c, w, example_set(), {5, 77, 300, 12, 9}, 3);
  EXPECT_TRUE(r.ok) << r.text();
  ASSERT_EQ(r.nki_ops.size(), 4u) << r.text();  // norm and mlp, prefill and decode
  for (const NkiOpCheck& op : r.nki_ops) EXPECT_TRUE(op.ok) << op.message;
  expect_has(r.text(), "NKI op norm           prefill");
  expect_has(r.text(), "swiglu_mlp.py::swiglu_mlp");
  EXPECT_EQ(r.steps.size(), 3u);
}

TEST(NkiModel, AWrongNkiKernelFailsAndStopsTheValuesRun) {
  TempDir d;
  write_text(d / "scaled.py", R"(import sys
sys.path.insert(0, ")" + source_path(kExamples) + R"(")
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
from swiglu_mlp import swiglu_mlp

@nki.jit
def off_by_ten_percent(x_t, wg, wu, wd, token_tile=128):
    hidden, tokens = x_t.shape
    y = swiglu_mlp(x_t, wg, wu, wd)
    z = nl.ndarray((tokens, hidden), dtype=x_t.dtype, buffer=nl.shared_hbm)
    nl.store(z, value=nl.multiply(nl.load(y), 1.1))
    return z
)");
  const KernelSet set =
      parse_kernel_set(nki_set_json(example("rmsnorm_residual.py::rmsnorm_residual"),
                                    d / "scaled.py::off_by_ten_percent"),
                       "wrong");
  const ValuesReport r = check_values(tiny_llama(), random_weights(tiny_llama(), 11), set,
                                      {5, 77, 300}, 2);
  EXPECT_FALSE(r.ok);
  expect_has(r.failure, "values: op mlp (prefill");
  expect_has(r.failure, "off_by_ten_percent FAILS against the float64 reference op");
  expect_has(r.text(), "stopped before timing");
}

// --- the command ---------------------------------------------------------------------------

struct Folder {
  TempDir d;
  Folder() {
    write_tiny_config(d / "tiny.json");
    write_text(d / "set.json", nki_set_json(example("rmsnorm_residual.py::rmsnorm_residual"),
                                            example("swiglu_mlp.py::swiglu_mlp")));
  }
  CommandResult run(const std::string& args) const {
    return cli::testing::trnsim_in(d, "model tiny.json --target trn1 " + args);
  }
};

TEST(CliModelNki, ValuesScoreAndTimelineOfAnNkiKernelSet) {
  Folder f;
  const CommandResult r = f.run("--kernels set.json --prompt-len 16 --gen 2 --values --out res");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want :
       {"NKI op mlp", "PASS", "contest logit check (softmax, atol 1e-05, rtol 0.05, divergence "
        "0.001)", "values: PASS", "TTFT", "tokens/s", "inside NKI kernels",
        "NKI " /* the op table names the kernel that ran */, "swiglu_mlp.py::swiglu_mlp",
        "contest score of tiny_nki against baseline", "1 + NKI MAC fraction", "res/timeline.json"})
    expect_has(r.output, want);
  const nlohmann::json tl = read_json(f.d / "res/timeline.json");
  std::set<std::string> processes, tracks;
  int64_t slices = 0;
  for (const nlohmann::json& e : tl.at("traceEvents")) {
    if (e.at("name") == "process_name") processes.insert(e.at("args").at("name"));
    if (e.at("name") == "thread_name") tracks.insert(e.at("args").at("name"));
    slices += e.at("ph") == "X";
  }
  EXPECT_TRUE(processes.count("prefill L0 mlp [nki swiglu_mlp.py::swiglu_mlp]"));
  EXPECT_TRUE(processes.count("decode L1 qkv_proj [matmul/naive]"));
  EXPECT_TRUE(processes.count("decode head lm_head [matmul/naive]"));
  EXPECT_TRUE(tracks.count("tensor") && tracks.count("DMA queue 0")) << *tracks.begin();
  EXPECT_GT(slices, 100);
}

TEST(CliModelNki, NkiRolesPrintsTheConvention) {
  Folder f;
  const CommandResult r = f.run("--nki-roles --prompt-len 16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r.output, "prefill mlp                mlp             (x_t [256, 16] bfloat16");
  expect_has(r.output, "decode  norm               input_norm      (x [1, 256] bfloat16");
  expect_has(r.output, "attention_decode");
  EXPECT_EQ(r.output.find("TTFT"), std::string::npos);  // stops there
}

TEST(CliModelNki, AFailingNkiOpStopsBeforeTiming) {
  Folder f;
  write_text(f.d / "zero.py", R"(import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def zeros(x_t, wg, wu, wd):
    hidden, tokens = x_t.shape
    y = nl.ndarray((tokens, hidden), dtype=x_t.dtype, buffer=nl.shared_hbm)
    nl.store(y, value=nl.zeros((tokens, hidden), dtype=x_t.dtype))
    return y
)");
  write_text(f.d / "zero.json", R"({"ops": {"mlp": {"nki": "zero.py::zeros"}}})");
  const CommandResult r = f.run("--kernels zero.json --prompt-len 8 --gen 1 --values");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  expect_has(r.output, "values: FAIL: values: op mlp (prefill");
  expect_has(r.output, "zero.py::zeros FAILS");
  EXPECT_EQ(r.output.find("TTFT"), std::string::npos) << r.output;
}

TEST(CliModelNki, TheCustomFlagIsRefused) {
  Folder f;
  write_text(f.d / "old.json", R"({"ops": {"mlp": {"variant": "fused", "custom": true}}})");
  const CommandResult r = f.run("--kernels old.json --gen 1 --summary");
  EXPECT_NE(r.exit_code, 0);
  expect_has(r.output, "the 'custom' flag is gone");
}

TEST(CliModelNki, ASingleSetIsScoredAgainstTheReferenceSet) {
  Folder f;
  const CommandResult scored =
      f.run("--kernels optimised --reference baseline --prompt-len 8 --gen 1 --summary");
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  expect_has(scored.output, "contest score of optimised against baseline (values not checked");
  expect_has(scored.output, "1 + NKI MAC fraction         1.0000");  // library kernels only
  const CommandResult self = f.run("--kernels baseline --prompt-len 8 --gen 1 --summary");
  ASSERT_EQ(self.exit_code, 0) << self.output;
  EXPECT_EQ(self.output.find("contest score"), std::string::npos) << self.output;
  const CommandResult bad = f.run("--logit-rtol -1 --gen 1");
  EXPECT_NE(bad.exit_code, 0);
  expect_has(bad.output, "--logit-rtol");
}

}  // namespace
}  // namespace trnsim::workloads
