#include "workloads/nki_op.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_json.h"
#include "kernels/harness.h"
#include "sim/cli/python_front_end.h"
#include "sim/config/data_dir.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

// The front-end side of one trace, run as `python3 -c` with the request file as argv[1]: loads
// the kernel the way `trnsim nki` does, binds zero-filled HBM arrays of the convention's shapes
// and dtypes (tracing depends on shapes only) plus the kwargs, traces and compiles, and writes
// the trace JSON and the returned tensor names. Any error is one line on stderr, no traceback.
constexpr const char* kTraceScript = R"PY(
import json, sys
req = json.load(open(sys.argv[1]))
try:
    import numpy as np
    from trnsim_nki import dtypes
    from trnsim_nki.__main__ import load_kernel
    from trnsim_nki.tracer import Kernel, as_dtype, trace_kernel
    k = load_kernel(req["kernel"])
    func, grid, cfg = (k.func, k.grid, k.compile_config) if isinstance(k, Kernel) else (k, (), None)
    kwargs = {t["name"]: as_dtype(np.zeros(t["shape"], np.float32), dtypes.to_dtype(t["dtype"]))
              for t in req["inputs"]}
    kwargs.update(req["kwargs"])
    tr = trace_kernel(func, (), kwargs, grid=grid, target=req["target"], compile_config=cfg)
    trace = tr.trace()
    def flat(s):
        if isinstance(s, (tuple, list)):
            return [n for x in s for n in flat(x)]
        if isinstance(s, dict):
            return [n for x in s.values() for n in flat(x)]
        return [s] if isinstance(s, str) else []
    from trnsim_nki import trace_binary
    try:
        data = trace_binary.encode(trace)
    except trace_binary.EncodeError:  # left to the JSON reader's diagnostic
        data = json.dumps(trace).encode()
    with open(req["trace"], "wb") as f:
        f.write(data)
    with open(req["out"], "w") as f:
        json.dump({"returned": flat(tr.out_struct)}, f)
except Exception as e:
    sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
    sys.exit(1)
)PY";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A private folder for one trace's files, removed on scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "trnsim_nki_op_XXXXXX").string();
    if (!mkdtemp(t.data())) throw Error("nki: cannot create a temporary folder");
    path_ = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Runs the trace script; returns its exit status, stderr in `err_path`.
int run_trace_script(const std::string& request, const std::string& err_path) {
  const std::string python = cli::choose_python("");
  const std::string py_path = sim::data_path("kernels/nki");
  const pid_t pid = fork();
  if (pid < 0) throw Error("nki: cannot start " + python);
  if (pid == 0) {
    const char* old = std::getenv("PYTHONPATH");
    setenv("PYTHONPATH", (old && *old ? py_path + ":" + old : py_path).c_str(), 1);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int devnull = open("/dev/null", O_WRONLY);
    if (err >= 0) dup2(err, STDERR_FILENO);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    execlp(python.c_str(), python.c_str(), "-c", kTraceScript, request.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) throw Error("nki: lost the tracing process");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The traced program's returned tensors must be the convention's outputs (count and shapes).
void check_returned(const NkiProgram& p, const std::string& where) {
  const auto& want = p.signature.outputs;
  if (p.returned.size() != want.size())
    throw Error(where + ": the kernel returns " + std::to_string(p.returned.size()) +
                " tensor(s), the role's convention returns " + std::to_string(want.size()) +
                ": " + p.signature.text());
  for (size_t i = 0; i < want.size(); ++i) {
    auto ref = p.program.find(p.returned[i]);
    if (!ref || ref->memory != isa::Memory::kHbm)
      throw Error(where + ": returned tensor '" + p.returned[i] + "' is not an HBM tensor");
    const isa::HbmTensor& t = p.program.tensors[ref->index];
    int64_t elements = 1;
    for (int64_t d : want[i].shape) elements *= d;
    if (t.elements() != elements)
      throw Error(where + ": returned tensor " + std::to_string(i + 1) + " ('" + t.name +
                  "') has shape " + shape_text(t.shape) + ", the convention expects " +
                  want[i].text());
  }
}

}  // namespace

std::string TensorSpec::text() const {
  return name + " " + shape_text(shape) + " " + std::string(isa::dtype_name(dtype));
}

std::string RoleSignature::text() const {
  std::string s = "(";
  for (size_t i = 0; i < inputs.size(); ++i) s += (i ? ", " : "") + inputs[i].text();
  s += ") -> (";
  for (size_t i = 0; i < outputs.size(); ++i) s += (i ? ", " : "") + outputs[i].text();
  return s + ")";
}

RoleSignature role_signature(const kernels::KernelDef& def, const kernels::KernelConfig& kc) {
  const isa::Program prog = def.build(kc, def.variants.at(0).name);
  RoleSignature sig;
  for (const isa::HbmTensor& t : prog.tensors) {
    if (t.role == isa::TensorRole::kInput) sig.inputs.push_back({t.name, t.shape, t.dtype});
    if (t.role == isa::TensorRole::kOutput) sig.outputs.push_back({t.name, t.shape, t.dtype});
  }
  return sig;
}

const NkiProgram& NkiTracer::trace(const NkiKernelRef& k, const RoleSignature& sig,
                                   const std::string& where) {
  json inputs = json::array();
  for (const TensorSpec& t : sig.inputs)
    inputs.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", isa::dtype_name(t.dtype)}});
  const std::string key =
      k.file + "::" + k.function + "|" + k.kwargs_json + "|" + inputs.dump() + "|" + target_;
  auto it = cache_.find(key);
  if (it != cache_.end()) return *it->second;

  const std::string at = where + " (NKI kernel " + k.spec + ")";
  ScratchDir dir;
  json req = {{"kernel", k.file + "::" + k.function},
              {"inputs", inputs},
              {"kwargs", json::parse(k.kwargs_json)},
              {"target", target_},
              {"trace", dir / "trace.trnb"},
              {"out", dir / "returned.json"}};
  std::ofstream(dir / "request.json") << req.dump();
  if (run_trace_script(dir / "request.json", dir / "stderr.txt") != 0) {
    std::string msg = read_file(dir / "stderr.txt");
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw Error(at + ": tracing failed at the role's convention " + sig.text() + ": " +
                (msg.empty() ? std::string("the front end exited without a message") : msg));
  }
  auto p = std::make_unique<NkiProgram>();
  try {
    // The program comes as a binary trace (JSON if the front end's writer left it to the JSON
    // reader): isa::read_any_trace_file tells them apart.
    p->program = isa::read_any_trace_file(dir / "trace.trnb");
    const json out = json::parse(read_file(dir / "returned.json"));
    p->returned = out.at("returned").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw Error(at + ": unreadable trace from the front end: " + e.what());
  } catch (const Error& e) {
    throw Error(at + ": " + e.what());
  }
  p->signature = sig;
  check_returned(*p, at);
  ++traces_;
  return *cache_.emplace(key, std::move(p)).first->second;
}

kernels::Tensors run_nki_values(const NkiProgram& p, const kernels::Tensors& inputs,
                                const isa::CoreLimits& limits) {
  isa::Program prog = p.program;  // validation places tiles in the copy
  kernels::Tensors given;
  for (const auto& [name, m] : inputs)
    if (auto ref = prog.find(name); ref && ref->memory == isa::Memory::kHbm) given[name] = m;
  const kernels::Tensors got = kernels::run_values(prog, limits, given);
  kernels::Tensors out;
  for (size_t i = 0; i < p.returned.size(); ++i) {
    const TensorSpec& want = p.signature.outputs[i];
    kernels::Mat m = got.at(p.returned[i]);
    out[want.name] = Eigen::Map<const kernels::Mat>(m.data(), want.shape.at(0),
                                                     m.size() / want.shape.at(0));
  }
  return out;
}

double instruction_macs(const sim::RunResult& r) {
  double flops = 0;
  for (const sim::InstrRecord& rec : r.records) flops += rec.flops;
  return flops / 2;
}

}  // namespace trnsim::workloads
