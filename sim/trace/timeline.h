// The run's timeline in the Chrome / Perfetto trace event format (JSON object form), readable by
// ui.perfetto.dev and chrome://tracing. Layout:
//   one process "NeuronCore" (pid 1); one thread (track) per compute engine and per DMA queue
//   that ran a transfer, named and ordered by thread_sort_index metadata;
//   one complete event ("ph":"X") per instruction, named opcode + " " + label, lasting the
//   engine's occupancy (busy_ns) so slices on one track never overlap; args give the index,
//   operand views (for each view operand ROLE: ROLE = the view text, ROLE_shape, ROLE_dtype,
//   ROLE_bytes), bytes, cycles, dependency wait and the time the result became visible;
//   a DMA transfer is one such event on its first queue's track, spanning its pieces, with
//   the number of queues it was spread over; with TimelineOptions::dma_pieces, one event per
//   piece (RunResult::dma_pieces) on the piece's queue track, with the piece's bytes and the
//   transfer's bytes, instead;
//   with TimelineOptions::dma_fixed_ns > 0, each DMA slice (transfer or piece) holds a nested
//   slice "fixed cost" (cat "dma_fixed") of that length at its start: the per-piece fixed
//   occupancy of sim/cost/dma_cost.cc (a transfer slice shows the one of its first piece);
//   one flow ("ph":"s" / "f") per instruction with cross-engine dependencies, from the producer
//   whose result became visible last (the edge that bound its start), producer -> consumer;
//   with TimelineOptions::all_dependencies, one per cross-engine dependency edge;
//   counter tracks ("ph":"C") "SBUF in use" and "PSUM in use": bytes per partition of the
//   live tiles over time (sim/stats/memory_stats.h); "DMA bandwidth": GB/s moved by all
//   queues together (sim/trace/dma_bandwidth.h), when the run moved DMA bytes.
// Timestamps are microseconds (the format's unit) written as exact decimals of whole
// picoseconds, so ns-scale times survive. Written event by event: memory does not grow with
// the number of instructions.
#pragma once

#include <ostream>
#include <string>

#include "isa/opcodes.h"
#include "isa/program.h"
#include "sim/run_result.h"
#include "sim/stats/memory_stats.h"

namespace trnsim::sim {

inline constexpr int kTimelinePid = 1;

// Track (thread id) of a compute engine, or of DMA queue `queue` when e is kDma.
int timeline_tid(isa::Engine e, int queue);

enum class TimelineFormat { kNone, kJson, kJsonGz };

struct TimelineOptions {
  TimelineFormat format = TimelineFormat::kJson;  // write_timeline_file only
  bool dma_pieces = false;  // one slice per DMA piece instead of one per transfer
  double dma_fixed_ns = 0;  // the config's dma.fixed_ns (0: no fixed-cost slices)
  bool all_dependencies = false;  // a flow per cross-engine edge, not only the binding one
  // The run's memory figures when already computed (Stats::memory, whose counter tracks are
  // capacity-independent); null: the writer computes them from the program and result.
  const MemoryStats* memory = nullptr;
};

// "none", "json" or "json.gz"; throws trnsim::Error naming the accepted values otherwise.
TimelineFormat parse_timeline_format(const std::string& name);
// The file name of the format: "timeline.json", "timeline.json.gz" ("" for kNone).
std::string timeline_file_name(TimelineFormat format);

// Throws trnsim::Error if a record or edge names an instruction outside the program, or a DMA
// record has no queue.
void write_timeline(std::ostream& os, const isa::Program& prog, const RunResult& result,
                    const TimelineOptions& options = {});
// Same, to a file, gzip-compressed for TimelineFormat::kJsonGz (nothing for kNone); throws
// trnsim::Error naming the path if it cannot be written.
void write_timeline_file(const std::string& path, const isa::Program& prog,
                         const RunResult& result, const TimelineOptions& options = {});

}  // namespace trnsim::sim
