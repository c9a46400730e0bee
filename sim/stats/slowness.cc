#include "sim/stats/slowness.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "isa/error.h"
#include "sim/stats/text_table.h"

namespace trnsim::sim {
namespace {

constexpr double kEps = 1e-9;  // ns; hand-offs at an instruction's start time gate it

struct Gate {
  int32_t from = -1;
  double handoff = -std::numeric_limits<double>::infinity();
};

// The kernel source lines of a program: a dense id per instruction (its label; unlabelled
// instructions are grouped by opcode as "(opcode)"), so per-instruction sums index arrays and
// build no strings.
class LineIndex {
 public:
  explicit LineIndex(const isa::Program& prog) : line_of_(prog.instructions.size()) {
    std::vector<int32_t> opcode_line(isa::kNumOpcodes, -1);
    for (size_t i = 0; i < prog.instructions.size(); ++i) {
      const isa::Instruction& ins = prog.instructions[i];
      if (!ins.label.empty()) {
        line_of_[i] = id_of(ins.label);
        continue;
      }
      int32_t& id = opcode_line[static_cast<size_t>(ins.op)];
      if (id < 0) id = id_of("(" + std::string(isa::opcode_name(ins.op)) + ")");
      line_of_[i] = id;
    }
  }
  int32_t line_of(int32_t instr) const { return line_of_[instr]; }
  size_t size() const { return names_.size(); }
  const std::string& name(int32_t id) const { return names_[id]; }

 private:
  int32_t id_of(const std::string& name) {
    const auto [it, fresh] = ids_.emplace(name, static_cast<int32_t>(names_.size()));
    if (fresh) names_.push_back(name);
    return it->second;
  }
  std::vector<int32_t> line_of_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> names_;
};

class PathBuilder {
 public:
  PathBuilder(const isa::Program& prog, const RunResult& result)
      : result_(result), by_index_(prog.instructions.size(), nullptr),
        start_ns_(prog.instructions.size(), 0), gate_(prog.instructions.size()) {
    for (const InstrRecord& r : result.records) {
      if (r.index < 0 || size_t(r.index) >= by_index_.size())
        throw Error("critical path: timing record names instruction " + std::to_string(r.index) +
                    ", program has " + std::to_string(by_index_.size()));
      by_index_[r.index] = &r;
      start_ns_[r.index] = r.start_ns;
    }
  }

  void add_dependency_edges() {
    for (const DepEdge& e : result_.cross_engine_edges) {
      const InstrRecord* p = record(e.producer);
      consider(e.consumer, e.producer, p ? p->end_ns : 0);
    }
  }

  // Program order on each compute engine.
  void add_compute_queue_order() {
    std::array<const InstrRecord*, isa::kNumEngines> prev{};
    for (const InstrRecord* r : by_index_) {
      if (!r || r->engine == isa::Engine::kDma) continue;
      const InstrRecord*& p = prev[static_cast<int>(r->engine)];
      if (p) consider(r->index, p->index, p->start_ns + p->busy_ns);
      p = r;
    }
  }

  // Start order on each DMA queue, by piece (or by record when the result has no pieces): each
  // piece is gated by the previous one to start on its queue (ties: program order).
  void add_dma_queue_order() {
    const DmaPieces& pieces = result_.dma_pieces;
    // The last piece (or record index) to start on each queue so far; queues are int16, possibly
    // negative in hand-made results, so queue q is at q + kOffset.
    constexpr int kOffset = 1 << 15;
    std::vector<int32_t> last(1 << 16, -1);
    if (!pieces.empty()) {  // by run: `last` holds runs, whose pieces share their times
      pieces.for_each_run_by_start([&](size_t r) {
        const int32_t index = pieces.run_index(r);
        for (size_t j = 0; j < pieces.run_size(r); ++j) {
          int32_t& prev = last[pieces.run_queue(r) + int(j) + kOffset];
          if (prev >= 0 && pieces.run_index(size_t(prev)) != index) {
            const DmaPieceRecord p = pieces.piece_of_run(size_t(prev), 0);
            consider(index, p.index, p.start_ns + p.busy_ns);
          }
          prev = static_cast<int32_t>(r);
        }
      });
      return;
    }
    std::vector<const InstrRecord*> dma;
    for (const InstrRecord* r : by_index_)
      if (r && r->engine == isa::Engine::kDma) dma.push_back(r);
    std::stable_sort(dma.begin(), dma.end(), [](const InstrRecord* a, const InstrRecord* b) {
      return a->start_ns < b->start_ns;
    });
    for (const InstrRecord* r : dma) {
      int32_t& prev = last[r->queue + kOffset];
      if (prev >= 0) consider(r->index, prev, record(prev)->start_ns + record(prev)->busy_ns);
      prev = r->index;
    }
  }

  // Walks back from the last-ending instruction; returns the path in execution order with the
  // hand-off of each node to the next (the last node's end for the last one).
  std::vector<std::pair<int32_t, double>> walk() const {
    int32_t cur = -1;
    for (const InstrRecord* r : by_index_)
      if (r && (cur < 0 || r->end_ns >= record(cur)->end_ns)) cur = r->index;
    std::vector<std::pair<int32_t, double>> path;
    if (cur < 0) return path;
    double handoff = record(cur)->end_ns;
    std::vector<bool> seen(by_index_.size(), false);
    while (cur >= 0 && !seen[cur]) {
      seen[cur] = true;
      path.emplace_back(cur, handoff);
      handoff = gate_[cur].handoff;
      cur = gate_[cur].from;
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  const InstrRecord* record(int32_t i) const {
    return i >= 0 && size_t(i) < by_index_.size() ? by_index_[i] : nullptr;
  }

 private:
  void consider(int32_t consumer, int32_t producer, double handoff) {
    if (producer < 0 || size_t(producer) >= by_index_.size() || consumer < 0 ||
        size_t(consumer) >= by_index_.size())
      throw Error("critical path: a dependency names instruction " +
                  std::to_string(std::max(producer, consumer)) + ", program has " +
                  std::to_string(by_index_.size()));
    if (consumer == producer || !by_index_[consumer] || !by_index_[producer]) return;
    Gate& g = gate_[consumer];
    if (handoff <= start_ns_[consumer] + kEps && handoff > g.handoff) {
      g.from = producer;
      g.handoff = handoff;
    }
  }

  const RunResult& result_;
  std::vector<const InstrRecord*> by_index_;
  std::vector<double> start_ns_;  // by instruction: its record's start (dense, for consider)
  std::vector<Gate> gate_;
};

// A group of the whole chain, before the reported ones are chosen.
struct CompactGroup {
  isa::Opcode op{};
  isa::Engine engine{};
  int32_t line = 0;
  int64_t count = 0;
  double ns = 0;
};

// The kMaxReportedGroups groups of `all` with the most path time (ties: the earlier), in path
// order.
std::vector<PathGroup> reported_groups(const std::vector<CompactGroup>& all,
                                       const LineIndex& lines) {
  std::vector<int64_t> keep(all.size());
  for (size_t g = 0; g < keep.size(); ++g) keep[g] = static_cast<int64_t>(g);
  if (keep.size() > kMaxReportedGroups) {
    std::nth_element(keep.begin(), keep.begin() + kMaxReportedGroups, keep.end(),
                     [&](int64_t a, int64_t b) {
                       return all[a].ns != all[b].ns ? all[a].ns > all[b].ns : a < b;
                     });
    keep.resize(kMaxReportedGroups);
    std::sort(keep.begin(), keep.end());
  }
  std::vector<PathGroup> out;
  out.reserve(keep.size());
  for (int64_t g : keep) {
    const CompactGroup& c = all[g];
    out.push_back({std::string(isa::opcode_name(c.op)), lines.name(c.line), c.engine, c.count,
                   c.ns, g});
  }
  return out;
}

CriticalPath critical_path(const isa::Program& prog, const RunResult& result,
                           const LineIndex& line_index, std::vector<LineTime>* lines) {
  PathBuilder b(prog, result);
  b.add_dependency_edges();
  b.add_compute_queue_order();
  b.add_dma_queue_order();
  CriticalPath cp;
  std::vector<CompactGroup> groups;
  double prev_handoff = 0;
  for (const auto& [index, handoff] : b.walk()) {
    const InstrRecord& r = *b.record(index);
    const isa::Instruction& ins = prog.instructions[index];
    const double exec = std::max(0.0, handoff - r.start_ns);
    cp.wait_ns += std::max(0.0, r.start_ns - prev_handoff);
    cp.exec_ns += exec;
    cp.engine_ns[static_cast<int>(r.engine)] += exec;
    ++cp.instructions;
    cp.length_ns = std::max(cp.length_ns, r.end_ns);
    prev_handoff = handoff;
    const int32_t line = line_index.line_of(index);
    (*lines)[line].critical_ns += exec;
    if (groups.empty() || groups.back().op != ins.op || groups.back().line != line ||
        groups.back().engine != r.engine)
      groups.push_back({ins.op, r.engine, line, 0, 0});
    ++groups.back().count;
    groups.back().ns += exec;
  }
  cp.groups = static_cast<int64_t>(groups.size());
  cp.chain = reported_groups(groups, line_index);
  return cp;
}

// Busy and waiting time by line. A DMA's wait is its longest piece wait (the pieces wait side
// by side on their queues, so their sum is no time anyone waited).
void add_line_times(const isa::Program& prog, const RunResult& result,
                    const LineIndex& line_index, std::vector<LineTime>* lines) {
  std::vector<double> dma_wait(prog.instructions.size(), -1);
  for (const DmaPieceRecord& p : result.dma_pieces)
    if (p.index >= 0 && size_t(p.index) < dma_wait.size())
      dma_wait[p.index] = std::max(dma_wait[p.index], p.dep_wait_ns);
  for (const InstrRecord& r : result.records) {
    if (r.index < 0 || size_t(r.index) >= prog.instructions.size()) continue;  // checked above
    LineTime& lt = (*lines)[line_index.line_of(r.index)];
    ++lt.instructions;
    lt.busy_ns += r.busy_ns;
    const bool pieces = r.engine == isa::Engine::kDma && dma_wait[r.index] >= 0;
    lt.wait_ns += pieces ? dma_wait[r.index] : r.dep_wait_ns;
  }
}

// The lines that have a record, in name order (as a map by name would list them) and then
// ranked: most critical first, then busiest; beyond kMaxReportedLines summed into "(other)".
std::vector<LineTime> ranked_lines(std::vector<LineTime>&& by_id, const LineIndex& line_index,
                                   const std::vector<uint8_t>& used) {
  std::vector<int32_t> ids;
  for (size_t id = 0; id < by_id.size(); ++id)
    if (used[id]) ids.push_back(static_cast<int32_t>(id));
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
    return line_index.name(a) < line_index.name(b);
  });
  std::vector<LineTime> out;
  out.reserve(ids.size());
  for (int32_t id : ids) {
    by_id[id].line = line_index.name(id);
    out.push_back(std::move(by_id[id]));
  }
  std::stable_sort(out.begin(), out.end(), [](const LineTime& a, const LineTime& b) {
    return a.critical_ns != b.critical_ns ? a.critical_ns > b.critical_ns
                                          : a.busy_ns > b.busy_ns;
  });
  if (out.size() > kMaxReportedLines) {
    LineTime other{"(other)"};
    for (size_t i = kMaxReportedLines - 1; i < out.size(); ++i) {
      other.instructions += out[i].instructions;
      other.busy_ns += out[i].busy_ns;
      other.wait_ns += out[i].wait_ns;
      other.critical_ns += out[i].critical_ns;
    }
    out.resize(kMaxReportedLines - 1);
    out.push_back(other);
  }
  return out;
}

std::string us(double ns) { return strformat("%.3f", ns / 1000.0); }
std::string percent(double f) { return strformat("%.1f%%", f * 100.0); }
double share(double part, double whole) { return whole > 0 ? part / whole : 0; }

std::string engine_shares(const CriticalPath& p) {
  std::string out;
  for (int e = 0; e < isa::kNumEngines; ++e) {
    if (p.engine_ns[e] <= 0) continue;
    out += (out.empty() ? "" : ", ") + percent(share(p.engine_ns[e], p.length_ns)) + " " +
           std::string(isa::engine_name(static_cast<isa::Engine>(e)));
  }
  return out + (out.empty() ? "" : ", ") + percent(share(p.wait_ns, p.length_ns)) + " waits";
}

std::string chain_text(const CriticalPath& p, size_t max_groups) {
  // The groups that carry the most path time, shown in path order (p.chain holds the most
  // carrying groups of the whole chain, so its top ones are the whole chain's).
  std::vector<size_t> order(p.chain.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.chain[a].ns > p.chain[b].ns; });
  if (order.size() > max_groups) order.resize(max_groups);
  std::sort(order.begin(), order.end());
  std::string out;
  int64_t last = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const PathGroup& g = p.chain[order[k]];
    if (k > 0) out += g.position == last + 1 ? " -> " : " -> ... -> ";
    out += g.opcode + " " + g.line + " [" + std::string(isa::engine_name(g.engine)) +
           (g.count > 1 ? strformat(" x%lld", static_cast<long long>(g.count)) : "") + ", " +
           us(g.ns) + " us]";
    last = g.position;
  }
  return out;
}

}  // namespace

Slowness analyse_slowness(const isa::Program& prog, const RunResult& result,
                          const std::array<double, isa::kNumEngines>& utilisation) {
  Slowness s;
  s.timed = !result.records.empty();
  if (!s.timed) return s;
  for (int e = 0; e < isa::kNumEngines; ++e)
    if (utilisation[e] > s.busiest_utilisation) {
      s.busiest_utilisation = utilisation[e];
      s.busiest = static_cast<isa::Engine>(e);
    }
  s.engine_bound = s.busiest_utilisation >= kEngineBoundUtilisation;
  const LineIndex line_index(prog);
  std::vector<LineTime> lines(line_index.size());
  s.path = critical_path(prog, result, line_index, &lines);
  add_line_times(prog, result, line_index, &lines);
  // A line is listed once an instruction of it has a record (as a map filled by both passes).
  std::vector<uint8_t> used(line_index.size(), 0);
  for (const InstrRecord& r : result.records)
    if (r.index >= 0 && size_t(r.index) < prog.instructions.size())
      used[line_index.line_of(r.index)] = 1;
  s.lines = ranked_lines(std::move(lines), line_index, used);
  return s;
}

std::string verdict_text(const Slowness& s) {
  const std::string busiest = std::string(isa::engine_name(s.busiest)) + " busy " +
                              percent(s.busiest_utilisation) + " of the total";
  if (s.engine_bound) return "engine-bound: " + busiest;
  return strformat("latency-bound: no engine is >= %.0f%% busy (", kEngineBoundUtilisation * 100) +
         busiest + "); the critical path sets the time";
}

nlohmann::json slowness_to_json(const Slowness& s) {
  using nlohmann::json;
  if (!s.timed) return json{{"verdict", "untimed"}};
  json engines = json::object();
  for (int e = 0; e < isa::kNumEngines; ++e)
    engines[std::string(isa::engine_name(static_cast<isa::Engine>(e)))] = s.path.engine_ns[e];
  json chain = json::array();
  for (const PathGroup& g : s.path.chain)
    chain.push_back({{"opcode", g.opcode}, {"line", g.line},
                     {"engine", std::string(isa::engine_name(g.engine))}, {"count", g.count},
                     {"ns", g.ns}, {"position", g.position}});
  json lines = json::array();
  for (const LineTime& l : s.lines)
    lines.push_back({{"line", l.line}, {"instructions", l.instructions}, {"busy_ns", l.busy_ns},
                     {"wait_ns", l.wait_ns}, {"critical_ns", l.critical_ns}});
  return {{"verdict", s.engine_bound ? "engine-bound" : "latency-bound"},
          {"text", verdict_text(s)},
          {"engine_bound_threshold", kEngineBoundUtilisation},
          {"busiest_engine", std::string(isa::engine_name(s.busiest))},
          {"busiest_utilisation", s.busiest_utilisation},
          {"critical_path",
           {{"length_ns", s.path.length_ns}, {"exec_ns", s.path.exec_ns},
            {"wait_ns", s.path.wait_ns}, {"instructions", s.path.instructions},
            {"groups", s.path.groups},
            {"exec_share", share(s.path.exec_ns, s.path.length_ns)},
            {"engine_ns", engines}, {"chain", chain}}},
          {"lines", lines}};
}

std::string format_slowness(const Slowness& s, size_t max_lines) {
  if (!s.timed) return "";
  std::string out = "verdict     " + verdict_text(s) + "\n";
  out += "crit. path  " + us(s.path.length_ns) + " us, " +
         std::to_string(s.path.instructions) + " instructions: " + engine_shares(s.path) + "\n";
  if (!s.engine_bound) out += "chain       " + chain_text(s.path, 6) + "\n";
  TextTable t;
  t.add_row({"line", "instrs", "busy_us", "wait_us", "on_path_us", "path%"});
  for (size_t i = 0; i < s.lines.size() && i < max_lines; ++i) {
    const LineTime& l = s.lines[i];
    t.add_row({l.line, std::to_string(l.instructions), us(l.busy_ns), us(l.wait_ns),
               us(l.critical_ns), percent(share(l.critical_ns, s.path.length_ns))});
  }
  return out + t.str();
}

}  // namespace trnsim::sim
