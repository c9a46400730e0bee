#include "sim/trace/timeline.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "sim/stats/memory_stats.h"
#include "sim/trace/dma_bandwidth.h"
#include "sim/trace/json_number.h"
#include "sim/trace/timeline_text.h"

namespace trnsim::sim {
namespace {

using namespace timeline_text;  // the text layer this writer is built on

constexpr int kFirstDmaTid = 16;

// Counter tracks "SBUF in use" / "PSUM in use" (bytes per partition of live tiles over time,
// sim/stats/memory_stats.h), one "ph":"C" event per change.
void write_memory_counters(BufferedSink& os, const isa::Program& prog, const RunResult& result,
                           const MemoryStats* known) {
  const MemoryStats computed = known ? MemoryStats{} : compute_memory_stats(prog, result, 0, 0);
  const MemoryStats& m = known ? *known : computed;
  for (isa::Memory mem : {isa::Memory::kSbuf, isa::Memory::kPsum}) {
    const char* name = mem == isa::Memory::kSbuf ? "SBUF in use" : "PSUM in use";
    for (const MemoryCounterPoint& pt : memory_counter_track(m, mem)) {
      os << "{\"name\":\"" << name << "\",\"cat\":\"memory\",\"ph\":\"C\",\"pid\":"
         << kTimelinePid << ",\"tid\":0,\"ts\":" << ps_as_us(to_ps(pt.time_ns))
         << ",\"args\":{\"bytes_per_partition\":" << pt.bytes_per_partition << "}},\n";
    }
  }
}

// Counter track "DMA bandwidth" in GB/s (bytes per ns), one "ph":"C" event per change.
void write_dma_bandwidth_counter(BufferedSink& os, const RunResult& result, double fixed_ns) {
  for (const BandwidthPoint& pt : dma_bandwidth_track(result, fixed_ns)) {
    os << "{\"name\":\"DMA bandwidth\",\"cat\":\"dma\",\"ph\":\"C\",\"pid\":" << kTimelinePid
       << ",\"tid\":0,\"ts\":" << ps_as_us(to_ps(pt.time_ns))
       << ",\"args\":{\"GB_per_s\":" << number(pt.bytes_per_ns) << "}},\n";
  }
}

// The nested "fixed cost" slices at the start of DMA slices: the DMA fixed cost's duration and
// text are worked out once per timeline.
class DmaFixedSlices {
 public:
  explicit DmaFixedSlices(double fixed_ns)
      : on_(fixed_ns > 0), fixed_ps_(on_ ? to_ps(fixed_ns) : 0), fixed_ns_(number_text(fixed_ns)) {}
  // The slice at the start of a DMA slice [ts_ps, end_ps) on track `tid`.
  void write(BufferedSink& os, int tid, int64_t ts_ps, int64_t end_ps, int32_t index) const {
    if (!on_ || end_ps <= ts_ps) return;
    const int64_t dur_ps = std::min(fixed_ps_, end_ps - ts_ps);
    os << "{\"name\":\"fixed cost\",\"cat\":\"dma_fixed\",\"ph\":\"X\",\"pid\":" << kTimelinePid
       << ",\"tid\":" << tid << ",\"ts\":" << ps_as_us(ts_ps) << ",\"dur\":" << ps_as_us(dur_ps)
       << ",\"args\":{\"index\":" << index << ",\"fixed_ns\":" << fixed_ns_ << "}},\n";
  }

 private:
  bool on_;
  int64_t fixed_ps_;
  std::string fixed_ns_;
};

std::string track_name(isa::Engine e, int queue) {
  switch (e) {
    case isa::Engine::kTensor:
      return "Tensor engine";
    case isa::Engine::kVector:
      return "Vector engine";
    case isa::Engine::kScalar:
      return "Scalar engine";
    case isa::Engine::kGpsimd:
      return "GpSimd engine";
    case isa::Engine::kDma:
      break;
  }
  return "DMA queue " + std::to_string(queue);
}

void write_metadata(BufferedSink& os, const char* name, int tid, const std::string& args) {
  os << "{\"name\":\"" << name << "\",\"ph\":\"M\",\"pid\":" << kTimelinePid
     << ",\"tid\":" << tid << ",\"args\":{" << args << "}},\n";
}

void write_track(BufferedSink& os, isa::Engine e, int queue) {
  const int tid = timeline_tid(e, queue);
  write_metadata(os, "thread_name", tid, "\"name\":" + json_string(track_name(e, queue)));
  write_metadata(os, "thread_sort_index", tid, "\"sort_index\":" + std::to_string(tid));
}

// A hash of an operand's opcode and slot (role), buffer and slices.
uint64_t operand_hash(uint32_t role, const isa::View& v) {
  uint64_t h = (uint64_t(role) << 40) ^ (uint64_t(v.buf.memory) << 32) ^
               uint64_t(uint32_t(v.buf.index));
  const auto mix = [&h](int64_t x) { h = (h ^ uint64_t(x)) * 0x100000001b3ull; };
  for (const isa::Slice& d : v.dims) {
    mix(d.start);
    mix(d.stop);
    mix(d.step);
  }
  return h ^ (h >> 29);
}

// Writes the operand args of an instruction: for each view operand ROLE, ROLE (the view text),
// ROLE_shape, ROLE_dtype and ROLE_bytes; for each immediate ROLE its value. The text of a view
// operand depends only on its opcode, slot and view, and kernels reuse a few tiles and slices
// many times: it is built once per distinct (opcode, slot, view) and appended whole (the cache
// stops growing at kMaxCachedOperands).
class OperandArgsWriter {
 public:
  explicit OperandArgsWriter(const isa::Program& prog) : prog_(prog), keys_(isa::kNumOpcodes) {}

  void write(BufferedSink& os, const isa::Instruction& ins) {
    const isa::InstrInfo& inf = isa::info(ins.op);
    const std::vector<RoleKeys>& keys = keys_of(ins.op, inf);
    for (size_t k = 0; k < ins.operands.size() && k < inf.operands.size(); ++k) {
      const isa::Operand& o = ins.operands[k];
      if (o.is_view()) {
        os << view_args(ins.op, k, keys[k], o.view);
      } else if (o.is_imm()) {
        os << keys[k].view << number(o.imm);
      }
    }
  }

 private:
  static constexpr size_t kMaxCachedOperands = 1 << 16;

  struct RoleKeys {
    std::string view, shape, dtype, bytes;  // ,"ROLE":  ,"ROLE_shape":[  ,"ROLE_dtype":"  ,"ROLE_bytes":
  };

  // A cached operand: its key and args text.
  struct Entry {
    uint64_t hash;
    uint32_t role;  // opcode << 16 | operand slot
    isa::BufferRef buf;
    std::vector<isa::Slice> dims;
    std::string text;
  };

  // The args text of view operand `slot` of an `op` instruction. The cache is an open-addressing
  // table of entry numbers probed with the view itself (no key is built for a lookup).
  const std::string& view_args(isa::Opcode op, size_t slot, const RoleKeys& keys,
                               const isa::View& v) {
    const uint32_t role = uint32_t(op) << 16 | uint32_t(slot);
    const uint64_t hash = operand_hash(role, v);
    const size_t mask = slots_.size() - 1;
    size_t at = size_t(hash) & mask;
    for (; slots_[at] >= 0; at = (at + 1) & mask) {
      const Entry& e = entries_[size_t(slots_[at])];
      if (e.hash == hash && e.role == role && e.buf == v.buf && e.dims == v.dims) return e.text;
    }
    // Built in reused buffers: most views of an unrolled kernel name a tile of their own.
    view_text_.clear();
    isa::append_view_text(&view_text_, prog_, v);
    std::string& text = uncached_;
    text.clear();
    text += keys.view;
    if (needs_escape(view_text_)) {
      text += json_string(view_text_);
    } else {
      text += '"';
      text += view_text_;
      text += '"';
    }
    text += keys.shape;
    int64_t elements = 1;
    for (size_t d = 0; d < v.dims.size(); ++d) {
      if (d > 0) text += ',';
      isa::append_int(&text, v.dims[d].count());
      elements *= v.dims[d].count();  // a validated view's element count fits (its buffer's does)
    }
    const isa::DType dtype = prog_.dtype_of(v.buf);
    text += ']';
    text += keys.dtype;
    text += isa::dtype_name(dtype);
    text += '"';
    text += keys.bytes;
    isa::append_int(&text, elements * isa::dtype_bytes(dtype));
    if (entries_.size() >= kMaxCachedOperands) return uncached_;
    slots_[at] = int32_t(entries_.size());
    entries_.push_back({hash, role, v.buf, v.dims, text});
    if (2 * entries_.size() > slots_.size()) rehash(2 * slots_.size());
    return entries_.back().text;
  }

  void rehash(size_t size) {  // a power of two
    slots_.assign(size, -1);
    for (size_t k = 0; k < entries_.size(); ++k) {
      size_t at = size_t(entries_[k].hash) & (size - 1);
      while (slots_[at] >= 0) at = (at + 1) & (size - 1);
      slots_[at] = int32_t(k);
    }
  }

  const std::vector<RoleKeys>& keys_of(isa::Opcode op, const isa::InstrInfo& inf) {
    static const std::vector<RoleKeys> kNone;
    const size_t slot = static_cast<size_t>(op);
    if (slot >= keys_.size()) return kNone;
    std::vector<RoleKeys>& keys = keys_[slot];
    if (keys.empty() && !inf.operands.empty()) {
      for (const isa::OperandSpec& spec : inf.operands) {
        const std::string& role = spec.role;
        keys.push_back({"," + json_string(role) + ":", "," + json_string(role + "_shape") + ":[",
                        "," + json_string(role + "_dtype") + ":\"",
                        "," + json_string(role + "_bytes") + ":"});
      }
    }
    return keys;
  }

  const isa::Program& prog_;
  std::vector<std::vector<RoleKeys>> keys_;  // per opcode, per operand slot
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_ = std::vector<int32_t>(1024, -1);  // entry number, -1: empty
  std::string uncached_;   // the text being built, and that of a miss once the cache is full
  std::string view_text_;  // the view text being built
};

// The slice name "opcode label" as a JSON string literal (no allocation unless it needs escapes).
void write_slice_name(BufferedSink& os, const isa::Instruction& ins) {
  if (ins.label.empty()) {
    os << "\"" << isa::opcode_name(ins.op) << "\"";
  } else if (!needs_escape(ins.label)) {
    os << "\"" << isa::opcode_name(ins.op) << " " << ins.label.str() << "\"";
  } else {
    os << json_string(std::string(isa::opcode_name(ins.op)) + " " + ins.label);
  }
}

[[noreturn, gnu::noinline]] void throw_no_record(int32_t index, const char* what) {
  throw Error(std::string("timeline: ") + what + " instruction " + std::to_string(index) +
              " has no timing record");
}

const InstrRecord& record_of(const std::vector<const InstrRecord*>& by_index, int32_t index,
                             const char* what) {
  if (index < 0 || size_t(index) >= by_index.size() || !by_index[index])
    throw_no_record(index, what);
  return *by_index[index];
}

// Which edges get a flow arrow: all of them with TimelineOptions::all_dependencies, else, per
// consumer, the first of its edges whose producer's result became visible last (the edge that
// bound its start; ties keep program order). Records exist (checked by the caller).
std::vector<bool> drawn_edges(const std::vector<DepEdge>& edges,
                              const std::vector<const InstrRecord*>& by_index,
                              const TimelineOptions& options) {
  std::vector<bool> drawn(edges.size(), options.all_dependencies);
  if (options.all_dependencies) return drawn;
  constexpr size_t kNone = SIZE_MAX;
  std::vector<size_t> binding(by_index.size(), kNone);  // per consumer: its binding edge
  const auto end_of = [&](size_t e) { return by_index[edges[e].producer]->end_ns; };
  for (size_t e = 0; e < edges.size(); ++e) {
    size_t& b = binding[edges[e].consumer];
    if (b == kNone || end_of(e) > end_of(b)) b = e;
  }
  for (const size_t e : binding)
    if (e != kNone) drawn[e] = true;
  return drawn;
}

}  // namespace

int timeline_tid(isa::Engine e, int queue) {
  return e == isa::Engine::kDma ? kFirstDmaTid + queue : static_cast<int>(e) + 1;
}

namespace {

// Writes the whole timeline to `out` (the checks come before the first byte).
void write_timeline_to(BlockWriter& out, const isa::Program& prog, const RunResult& result,
                       const TimelineOptions& options) {
  std::vector<const InstrRecord*> by_index(prog.instructions.size(), nullptr);
  std::set<int> dma_queues;
  // With dma_pieces, DMA transfers are drawn by piece when the result has pieces; flow arrows
  // of a DMA then bind to its first piece.
  const bool by_piece = options.dma_pieces && !result.dma_pieces.empty();
  std::vector<int64_t> first_piece(by_piece ? prog.instructions.size() : 0, -1);  // piece number
  const DmaPieces& dma_pieces = result.dma_pieces;
  for (size_t run = 0; run < dma_pieces.runs(); ++run) {
    const int32_t index = dma_pieces.run_index(run);
    for (size_t j = 0; j < dma_pieces.run_size(run); ++j) {
      const size_t i = dma_pieces.run_begin(run) + j;
      const int queue = dma_pieces.run_queue(run) + int(j);
      if (index < 0 || size_t(index) >= prog.instructions.size() || queue < 0)
        throw Error("timeline: DMA piece record " + std::to_string(i) + " names instruction " +
                    std::to_string(index) + " or queue " + std::to_string(queue) +
                    ", out of range");
      if (!by_piece) continue;
      if (first_piece[index] < 0) first_piece[index] = int64_t(i);
      dma_queues.insert(queue);
    }
  }
  for (size_t i = 0; i < result.records.size(); ++i) {
    const InstrRecord& r = result.records[i];
    if (r.index < 0 || size_t(r.index) >= prog.instructions.size())
      throw Error("timeline: timing record " + std::to_string(i) + " names instruction " +
                  std::to_string(r.index) + ", program has " +
                  std::to_string(prog.instructions.size()));
    if (r.engine == isa::Engine::kDma && r.queue < 0)
      throw Error("timeline: timing record " + std::to_string(i) + " (instruction " +
                  std::to_string(r.index) + ") is a DMA without a queue");
    by_index[r.index] = &r;
    if (r.engine == isa::Engine::kDma && !by_piece) dma_queues.insert(r.queue);
  }
  for (const DepEdge& edge : result.cross_engine_edges) {  // checked before anything is written
    record_of(by_index, edge.producer, "dependency producer");
    record_of(by_index, edge.consumer, "dependency consumer");
  }

  BufferedSink os(out);
  OperandArgsWriter operand_args(prog);
  const DmaFixedSlices fixed_slices(options.dma_fixed_ns);
  os << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"program\":" << json_string(prog.name)
     << ",\"total_ns\":" << number(result.total_ns) << "},\n\"traceEvents\":[\n";
  write_metadata(os, "process_name", 0, "\"name\":\"NeuronCore\"");
  for (isa::Engine e : {isa::Engine::kTensor, isa::Engine::kVector, isa::Engine::kScalar,
                        isa::Engine::kGpsimd})
    write_track(os, e, -1);
  for (int q : dma_queues) write_track(os, isa::Engine::kDma, q);

  // A whole-transfer slice spans pieces on other queues, so the next transfer on its track can
  // begin before it ends. Slices on one track must not overlap (viewers would nest them), so
  // such a slice is drawn from the end of the previous one; args.start_ns keeps the true start.
  std::vector<int64_t> track_end_ps;
  // Per instruction: the drawn start of its slice if clipped, else kNotClipped.
  constexpr int64_t kNotClipped = INT64_MIN;
  std::vector<int64_t> clipped_start_ps(prog.instructions.size(), kNotClipped);
  size_t next_run = 0;  // pieces are in program order, like the records
  for (const InstrRecord& r : result.records) {
    const isa::Instruction& ins = prog.instructions[r.index];
    const bool dma = r.engine == isa::Engine::kDma;
    int64_t pieces = 0;
    if (dma) {
      while (next_run < dma_pieces.runs() && dma_pieces.run_index(next_run) < r.index) ++next_run;
      for (; next_run < dma_pieces.runs() && dma_pieces.run_index(next_run) == r.index;
           ++next_run) {
        pieces += int64_t(dma_pieces.run_size(next_run));
        if (!by_piece) continue;
        for (size_t j = 0; j < dma_pieces.run_size(next_run); ++j) {
          const DmaPieceRecord piece = dma_pieces.piece_of_run(next_run, j);
          const int64_t piece_ts_ps = to_ps(piece.start_ns);
          const int64_t piece_dur_ps = to_ps(piece.start_ns + piece.busy_ns) - piece_ts_ps;
          os << "{\"name\":";
          write_slice_name(os, ins);
          os << ",\"cat\":\"dma\",\"ph\":\"X\",\"pid\":"
             << kTimelinePid << ",\"tid\":" << timeline_tid(isa::Engine::kDma, piece.queue)
             << ",\"ts\":" << ps_as_us(piece_ts_ps) << ",\"dur\":" << ps_as_us(piece_dur_ps)
             << ",\"args\":{\"index\":" << r.index;
          operand_args.write(os, ins);
          os << ",\"dep_wait_ns\":" << number(piece.dep_wait_ns)
             << ",\"end_ns\":" << number(piece.end_ns) << ",\"bytes\":" << piece.bytes
             << ",\"transfer_bytes\":" << r.bytes << "}},\n";
          fixed_slices.write(os, timeline_tid(isa::Engine::kDma, piece.queue), piece_ts_ps,
                             piece_ts_ps + piece_dur_ps, r.index);
        }
      }
      if (by_piece) continue;
    }
    const int tid = timeline_tid(r.engine, r.queue);
    int64_t ts_ps = to_ps(r.start_ns);
    const int64_t end_ps = to_ps(r.start_ns + r.busy_ns);
    if (dma) {
      if (size_t(tid) >= track_end_ps.size()) track_end_ps.resize(size_t(tid) + 1, INT64_MIN);
      if (ts_ps < track_end_ps[tid]) {
        ts_ps = std::min(track_end_ps[tid], end_ps);
        clipped_start_ps[r.index] = ts_ps;
      }
      track_end_ps[tid] = std::max(track_end_ps[tid], end_ps);
    }
    os << "{\"name\":";
    write_slice_name(os, ins);
    os << ",\"cat\":\"" << isa::engine_name(r.engine)
       << "\",\"ph\":\"X\",\"pid\":" << kTimelinePid << ",\"tid\":" << tid
       << ",\"ts\":" << ps_as_us(ts_ps) << ",\"dur\":" << ps_as_us(end_ps - ts_ps)
       << ",\"args\":{\"index\":" << r.index;
    operand_args.write(os, ins);
    os << ",\"cycles\":" << r.cycles << ",\"dep_wait_ns\":" << number(r.dep_wait_ns)
       << ",\"end_ns\":" << number(r.end_ns);
    if (dma) os << ",\"start_ns\":" << number(r.start_ns) << ",\"queues\":" << std::max<int64_t>(pieces, 1);
    if (r.bytes) os << ",\"bytes\":" << r.bytes;
    if (r.flops > 0) os << ",\"flops\":" << number(r.flops);
    os << "}},\n";
    if (dma) fixed_slices.write(os, tid, ts_ps, end_ps, r.index);
  }

  // Flow arrows: each end sits at the middle of its slice so it binds to that slice.
  const std::vector<bool> drawn = drawn_edges(result.cross_engine_edges, by_index, options);
  int64_t flow_id = 0;
  for (size_t e = 0; e < result.cross_engine_edges.size(); ++e) {
    if (!drawn[e]) continue;
    const DepEdge& edge = result.cross_engine_edges[e];
    const InstrRecord& p = record_of(by_index, edge.producer, "dependency producer");
    const InstrRecord& c = record_of(by_index, edge.consumer, "dependency consumer");
    ++flow_id;
    // Track and middle of the slice an end binds to: the record's, or its first piece's.
    const auto anchor = [&](const InstrRecord& r) {
      double start_ns = r.start_ns, busy_ns = r.busy_ns;
      int tid = timeline_tid(r.engine, r.queue);
      if (by_piece && r.engine == isa::Engine::kDma && first_piece[r.index] >= 0) {
        const DmaPieceRecord piece = result.dma_pieces[size_t(first_piece[r.index])];
        start_ns = piece.start_ns;
        busy_ns = piece.busy_ns;
        tid = timeline_tid(isa::Engine::kDma, piece.queue);
      }
      int64_t ts = to_ps(start_ns);
      if (clipped_start_ps[r.index] != kNotClipped) ts = clipped_start_ps[r.index];
      return std::make_pair(tid, ps_as_us(ts + (to_ps(start_ns + busy_ns) - ts) / 2));
    };
    const auto [p_tid, p_mid] = anchor(p);
    const auto [c_tid, c_mid] = anchor(c);
    os << "{\"name\":\"dependency\",\"cat\":\"dep\",\"ph\":\"s\",\"id\":" << flow_id
       << ",\"pid\":" << kTimelinePid << ",\"tid\":" << p_tid << ",\"ts\":" << p_mid << "},\n";
    os << "{\"name\":\"dependency\",\"cat\":\"dep\",\"ph\":\"f\",\"bp\":\"e\",\"id\":" << flow_id
       << ",\"pid\":" << kTimelinePid << ",\"tid\":" << c_tid << ",\"ts\":" << c_mid << "},\n";
  }
  write_memory_counters(os, prog, result, options.memory);
  write_dma_bandwidth_counter(os, result, options.dma_fixed_ns);
  // The last event carries no comma: the process sort index closes the array.
  os << "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":" << kTimelinePid
     << ",\"tid\":0,\"args\":{\"sort_index\":0}}\n]}\n";
  os.flush();
}

}  // namespace

TimelineFormat parse_timeline_format(const std::string& name) {
  if (name == "none") return TimelineFormat::kNone;
  if (name == "json") return TimelineFormat::kJson;
  if (name == "json.gz") return TimelineFormat::kJsonGz;
  throw Error("timeline format '" + name + "': expected none, json or json.gz");
}

std::string timeline_file_name(TimelineFormat format) {
  switch (format) {
    case TimelineFormat::kNone:
      return "";
    case TimelineFormat::kJson:
      return "timeline.json";
    case TimelineFormat::kJsonGz:
      return "timeline.json.gz";
  }
  return "";
}

void write_timeline(std::ostream& stream, const isa::Program& prog, const RunResult& result,
                    const TimelineOptions& options) {
  StreamWriter out(stream);
  write_timeline_to(out, prog, result, options);
}

void write_timeline_file(const std::string& path, const isa::Program& prog,
                         const RunResult& result, const TimelineOptions& options) {
  if (options.format == TimelineFormat::kNone) return;
  if (options.format == TimelineFormat::kJsonGz) {
    GzWriter out(path);
    write_timeline_to(out, prog, result, options);
    out.close();
    return;
  }
  std::ofstream os(path, std::ios::binary);
  if (!os) throw Error("cannot open '" + path + "' for writing");
  write_timeline(os, prog, result, options);
  os.flush();
  if (!os) throw Error("error writing '" + path + "'");
}

}  // namespace trnsim::sim
