#include "sim/stats/stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "isa/error.h"

namespace trnsim::sim {
namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0; }

std::string record_where(size_t i, const InstrRecord& r) {
  return "timing record " + std::to_string(i) + " (instruction " + std::to_string(r.index) + ")";
}

void check_record(const isa::Program& prog, size_t i, const InstrRecord& r, int queues) {
  if (r.index < 0 || size_t(r.index) >= prog.instructions.size())
    throw Error(record_where(i, r) + ": instruction index out of range, program has " +
                std::to_string(prog.instructions.size()) + " instructions");
  if (static_cast<int>(r.engine) >= isa::kNumEngines)
    throw Error(record_where(i, r) + ": invalid engine");
  if (r.engine == isa::Engine::kDma && (r.queue < 0 || r.queue >= queues))
    throw Error(record_where(i, r) + ": DMA queue " + std::to_string(r.queue) +
                " outside 0.." + std::to_string(queues - 1));
  if (!(r.start_ns >= 0) || !(r.busy_ns >= 0) || !(r.dep_wait_ns >= 0) ||
      !(r.end_ns >= r.start_ns))
    throw Error(record_where(i, r) + ": negative or inconsistent times (start " +
                std::to_string(r.start_ns) + ", end " + std::to_string(r.end_ns) + ", busy " +
                std::to_string(r.busy_ns) + ", dep wait " + std::to_string(r.dep_wait_ns) + ")");
}

// Length of the union of [start, start + busy) intervals visited in start order: the sum of the
// maximal segments they form (an interval that starts after the current segment's end begins
// a new one, else it extends it: touching intervals join).
class UnionLength {
 public:
  void add(double start, double busy) {
    const double end = start + busy;
    if (!open_ || start > seg_end_) {
      close();
      open_ = true;
      seg_start_ = start;
      seg_end_ = end;
    } else {
      seg_end_ = std::max(seg_end_, end);
    }
  }
  double total() {
    close();
    return total_;
  }

 private:
  void close() {
    if (open_ && seg_end_ > seg_start_) total_ += seg_end_ - seg_start_;
    open_ = false;
  }
  bool open_ = false;
  double seg_start_ = 0, seg_end_ = 0, total_ = 0;
};

// The time at least one DMA queue was active: the union of the pieces' queue occupancies (of
// the DMA records' when the result has no pieces).
double dma_active_ns(const RunResult& result) {
  UnionLength u;
  const DmaPieces& pieces = result.dma_pieces;
  if (!pieces.empty()) {
    pieces.for_each_run_by_start([&](size_t r) {  // a run's pieces share one occupancy
      const DmaPieceRecord p = pieces.piece_of_run(r, 0);
      u.add(p.start_ns, p.busy_ns);
    });
    return u.total();
  }
  std::vector<std::pair<double, double>> spans;
  for (const InstrRecord& r : result.records)
    if (r.engine == isa::Engine::kDma) spans.emplace_back(r.start_ns, r.busy_ns);
  std::sort(spans.begin(), spans.end());
  for (const auto& [start, busy] : spans) u.add(start, busy);
  return u.total();
}

}  // namespace

int64_t Stats::total_cycles(isa::Engine e) const {
  return std::llround(total_ns * engine(e).clock_ghz);
}

Stats compute_stats(const isa::Program& prog, const RunResult& result, const HwConfig& cfg) {
  Stats s;
  s.program = prog.name;
  s.config = cfg.name;
  s.total_ns = result.total_ns;
  s.timed = !result.records.empty();
  s.instructions = static_cast<int64_t>(prog.instructions.size());
  for (int e = 0; e < isa::kNumEngines; ++e)
    s.engines[e].clock_ghz = cfg.clocks.ghz(static_cast<isa::Engine>(e));
  std::array<int64_t, isa::kNumOpcodes> per_opcode{};
  for (const isa::Instruction& ins : prog.instructions) {
    const size_t op = static_cast<size_t>(ins.op);
    if (op < per_opcode.size()) {
      ++per_opcode[op];
    } else {  // not a known opcode (hand-made program): counted under its printed name
      ++s.opcode_counts[std::string(isa::opcode_name(ins.op))];
    }
    ++s.engines[static_cast<int>(ins.engine)].instructions;
  }
  for (int op = 0; op < isa::kNumOpcodes; ++op)
    if (per_opcode[op] > 0)
      s.opcode_counts[std::string(isa::opcode_name(static_cast<isa::Opcode>(op)))] =
          per_opcode[op];

  const int queues = std::max(cfg.dma.queues, 0);
  s.dma_queues.resize(queues);
  for (int q = 0; q < queues; ++q) s.dma_queues[q].queue = q;
  // Per-queue DMA figures come from the transfer pieces (a DMA spread over k queues is k).
  const auto add_piece = [&](int queue, double busy_ns, double dep_wait_ns, int64_t bytes) {
    DmaQueueStats& qs = s.dma_queues[queue];
    qs.busy_ns += busy_ns;
    ++qs.transfers;
    qs.bytes += bytes;
    qs.dep_wait_ns += dep_wait_ns;
  };
  const DmaPieces& pieces = result.dma_pieces;
  for (size_t r = 0; r < pieces.runs(); ++r) {
    for (size_t j = 0; j < pieces.run_size(r); ++j) {
      const DmaPieceRecord piece = pieces.piece_of_run(r, j);
      if (piece.queue < 0 || piece.queue >= queues || piece.index < 0 ||
          size_t(piece.index) >= prog.instructions.size() || !(piece.busy_ns >= 0))
        throw Error("DMA piece record " + std::to_string(pieces.run_begin(r) + j) +
                    " (instruction " + std::to_string(piece.index) +
                    "): queue, index or busy time out of range");
      add_piece(piece.queue, piece.busy_ns, piece.dep_wait_ns, piece.bytes);
    }
  }
  for (size_t i = 0; i < result.records.size(); ++i) {
    const InstrRecord& r = result.records[i];
    check_record(prog, i, r, queues);
    EngineStats& es = s.engines[static_cast<int>(r.engine)];
    es.busy_cycles += r.cycles;
    es.dep_wait_ns += r.dep_wait_ns;
    s.flops += r.flops;
    if (r.engine == isa::Engine::kDma) {
      s.dma_bytes += r.bytes;
      if (result.dma_pieces.empty()) {  // hand-made result: each DMA record is one piece
        add_piece(r.queue, r.busy_ns, r.dep_wait_ns, r.bytes);
      }
    } else {
      es.busy_ns += r.busy_ns;  // one queue per compute engine: occupancies do not overlap
    }
  }
  // The DMA row is the summed queue busy time divided by the number of queues: the time the
  // transfers would take if perfectly spread over every queue. Like a compute engine's busy
  // time it is a lower bound on the run, so the rows are comparable for the bottleneck; the
  // time at least one queue was active (`dma_active_ns`) is no such bound, since one queue
  // moving a small transfer keeps it high while 15 queues idle.
  double queue_busy_ns = 0;
  for (const DmaQueueStats& qs : s.dma_queues) queue_busy_ns += qs.busy_ns;
  s.engines[static_cast<int>(isa::Engine::kDma)].busy_ns = ratio(queue_busy_ns, double(queues));
  // Its dependency wait likewise: the queues wait side by side, so their sum (16 queues idle
  // for 1 us = 16 us) is no time the run waited.
  double queue_wait_ns = 0;
  for (const DmaQueueStats& qs : s.dma_queues) queue_wait_ns += qs.dep_wait_ns;
  s.engines[static_cast<int>(isa::Engine::kDma)].dep_wait_ns = ratio(queue_wait_ns, double(queues));
  s.dma_active_ns = dma_active_ns(result);

  for (EngineStats& es : s.engines) es.utilisation = ratio(es.busy_ns, s.total_ns);
  for (DmaQueueStats& qs : s.dma_queues) qs.utilisation = ratio(qs.busy_ns, s.total_ns);

  s.dma_bytes_per_ns = ratio(double(s.dma_bytes), s.total_ns);
  s.dma_peak_bytes_per_ns = queues * cfg.dma.queue_bytes_per_ns;
  s.dma_peak_fraction = ratio(s.dma_bytes_per_ns, s.dma_peak_bytes_per_ns);

  s.flops_per_ns = ratio(s.flops, s.total_ns);
  s.tensor_peak_flops_per_ns =
      2.0 * double(cfg.tensor.rows) * double(cfg.tensor.cols) * cfg.clocks.tensor_ghz;
  s.tensor_peak_fraction = ratio(s.flops_per_ns, s.tensor_peak_flops_per_ns);

  // Bottleneck: the engine with the largest busy time. The run cannot be shorter than that
  // engine's busy time whatever the overlap, so it is the first place to look for a speed-up
  // (and a run whose total is far above it is latency- or dependency-bound instead: compare
  // with dep_wait_ns). Ties go to the engine listed first (tensor, vector, scalar, gpsimd, dma).
  int best = 0;
  for (int e = 1; e < isa::kNumEngines; ++e)
    if (s.engines[e].busy_ns > s.engines[best].busy_ns) best = e;
  s.bottleneck = static_cast<isa::Engine>(best);
  std::array<double, isa::kNumEngines> utilisation{};
  for (int e = 0; e < isa::kNumEngines; ++e) utilisation[e] = s.engines[e].utilisation;
  s.why = analyse_slowness(prog, result, utilisation);
  s.memory = compute_memory_stats(prog, result, cfg.memory.limits.sbuf_partition_bytes,
                                  cfg.memory.limits.psum_partition_bytes);
  return s;
}

nlohmann::json stats_to_json(const Stats& s, bool with_tiles) {
  using nlohmann::json;
  json j;
  j["format"] = "trnsim-stats";
  j["version"] = kStatsFormatVersion;
  j["program"] = s.program;
  j["config"] = s.config;
  j["timed"] = s.timed;
  j["total_ns"] = s.total_ns;
  json cycles = json::object();
  for (int e = 0; e < isa::kNumEngines; ++e) {
    const auto engine = static_cast<isa::Engine>(e);
    if (engine != isa::Engine::kDma)
      cycles[std::string(isa::engine_name(engine))] = s.total_cycles(engine);
  }
  j["total_cycles"] = cycles;
  j["instructions"] = s.instructions;

  json engines = json::object();
  for (int e = 0; e < isa::kNumEngines; ++e) {
    const EngineStats& es = s.engines[e];
    engines[std::string(isa::engine_name(static_cast<isa::Engine>(e)))] = {
        {"clock_ghz", es.clock_ghz},     {"busy_ns", es.busy_ns},
        {"busy_cycles", es.busy_cycles}, {"utilisation", es.utilisation},
        {"instructions", es.instructions}, {"dep_wait_ns", es.dep_wait_ns}};
  }
  j["engines"] = engines;

  json queues = json::array();
  for (const DmaQueueStats& q : s.dma_queues)
    queues.push_back({{"queue", q.queue},
                      {"busy_ns", q.busy_ns},
                      {"utilisation", q.utilisation},
                      {"transfers", q.transfers},
                      {"bytes", q.bytes},
                      {"dep_wait_ns", q.dep_wait_ns}});
  j["dma_queues"] = queues;
  j["opcodes"] = s.opcode_counts;
  j["dma"] = {{"bytes", s.dma_bytes},
              {"bytes_per_ns", s.dma_bytes_per_ns},
              {"peak_bytes_per_ns", s.dma_peak_bytes_per_ns},
              {"peak_fraction", s.dma_peak_fraction},
              {"peak_basis", "queues * queue_bytes_per_ns"},
              {"active_ns", s.dma_active_ns}};
  j["flops"] = {{"total", s.flops},
                {"per_ns", s.flops_per_ns},
                {"peak_per_ns", s.tensor_peak_flops_per_ns},
                {"peak_fraction", s.tensor_peak_fraction},
                {"peak_basis", kTensorPeakBasis}};
  j["bottleneck"] = {{"engine", std::string(isa::engine_name(s.bottleneck))},
                     {"busy_ns", s.engine(s.bottleneck).busy_ns},
                     {"utilisation", s.engine(s.bottleneck).utilisation}};
  j["why_slow"] = slowness_to_json(s.why);
  add_memory_stats_json(s.memory, &j, with_tiles);
  return j;
}

}  // namespace trnsim::sim
