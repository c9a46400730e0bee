#include "workloads/model_timeline.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "isa/error.h"
#include "sim/trace/timeline.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

// Writes the events one per line; processes and their tracks get name metadata once.
class EventWriter {
 public:
  explicit EventWriter(std::ostream& os) : os_(os) { os_ << "{\"traceEvents\":[\n"; }
  void finish() { os_ << "\n],\"displayTimeUnit\":\"ns\"}\n"; }

  int process(const std::string& name) {
    const int pid = next_pid_++;
    emit({{"ph", "M"}, {"pid", pid}, {"name", "process_name"}, {"args", {{"name", name}}}});
    emit({{"ph", "M"}, {"pid", pid}, {"name", "process_sort_index"}, {"args", {{"sort_index", pid}}}});
    return pid;
  }
  void track(int pid, int tid, const std::string& name) {
    if (!named_[pid].insert(tid).second) return;
    emit({{"ph", "M"}, {"pid", pid}, {"tid", tid}, {"name", "thread_name"}, {"args", {{"name", name}}}});
    emit({{"ph", "M"}, {"pid", pid}, {"tid", tid}, {"name", "thread_sort_index"},
          {"args", {{"sort_index", tid}}}});
  }
  void slice(int pid, int tid, const std::string& name, double start_ns, double dur_ns) {
    emit({{"ph", "X"}, {"pid", pid}, {"tid", tid}, {"name", name}, {"ts", start_ns / 1e3},
          {"dur", dur_ns / 1e3}});
  }

 private:
  void emit(const json& e) {
    os_ << (first_ ? "" : ",\n") << e.dump();
    first_ = false;
  }
  std::ostream& os_;
  bool first_ = true;
  int next_pid_ = 1;
  std::map<int, std::set<int>> named_;
};

std::string track_name(isa::Engine e, int queue) {
  if (e == isa::Engine::kDma) return "DMA queue " + std::to_string(queue);
  return std::string(isa::engine_name(e));
}

// One op instance: its process, `count` copies of its program's slices from `t0`. Returns the
// time after it.
double draw_op(EventWriter& w, const std::string& process, const OpSummary& op, double t0) {
  if (!op.run || !op.program)
    throw Error("model timeline: op " + op.name + " has no kept run (OpTimer::keep_runs)");
  const int pid = w.process(process + " [" + (op.nki.empty() ? op.kernel + "/" + op.variant
                                                             : "nki " + op.nki) + "]");
  const int64_t copies = std::max<int64_t>(1, std::llround(op.count));
  for (int64_t k = 0; k < copies; ++k) {
    const double base = t0 + double(k) * op.ns_each;
    for (const sim::InstrRecord& r : op.run->records) {
      const int tid = sim::timeline_tid(r.engine, r.queue);
      w.track(pid, tid, track_name(r.engine, r.queue));
      const isa::Instruction& ins = op.program->instructions[size_t(r.index)];
      std::string name(isa::opcode_name(ins.op));
      if (!ins.label.empty()) name += " " + ins.label;
      w.slice(pid, tid, name, base + r.start_ns, r.busy_ns);
    }
  }
  return t0 + op.ns();
}

// A slice of host/collective time with no program (embedding, all-reduce, logits gather).
double draw_span(EventWriter& w, const std::string& process, const std::string& what, double t0,
                 double ns) {
  if (!(ns > 0)) return t0;
  const int pid = w.process(process);
  w.track(pid, 1, what);
  w.slice(pid, 1, what, t0, ns);
  return t0 + ns;
}

double draw_phase(EventWriter& w, const std::string& tag, const ModelConfig& c,
                  const PhaseTiming& p, double t) {
  t = draw_span(w, tag + " embedding", "embedding gather (HBM)", t, p.embed_ns);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string layer = tag + " L" + std::to_string(l) + " ";
    for (const OpSummary& op : p.layer_ops) t = draw_op(w, layer + op.name, op, t);
    t = draw_span(w, layer + "all-reduce", "all-reduce x2", t, p.layer_collective_ns);
  }
  for (const OpSummary& op : p.head_ops) t = draw_op(w, tag + " head " + op.name, op, t);
  return draw_span(w, tag + " logits gather", "all-gather", t, p.logits_gather_ns);
}

}  // namespace

void write_model_timeline(std::ostream& os, const ModelConfig& c, const ModelTiming& mt) {
  EventWriter w(os);
  const double t = draw_phase(w, "prefill", c, mt.prefill, 0);
  if (!mt.decode_step_ns.empty()) draw_phase(w, "decode", c, mt.decode_last, t);
  w.finish();
}

void write_model_timeline_file(const std::string& path, const ModelConfig& c,
                               const ModelTiming& mt) {
  std::ofstream out(path);
  if (!out) throw Error(path + ": cannot write the model timeline");
  write_model_timeline(out, c, mt);
  if (!out) throw Error(path + ": cannot write the model timeline");
}

}  // namespace trnsim::workloads
