// The run's timeline in the Chrome / Perfetto trace event format (JSON object form), readable by
// ui.perfetto.dev and chrome://tracing. Layout:
//   one process "NeuronCore" (pid 1); one thread (track) per compute engine and per DMA queue
//   that ran a transfer, named and ordered by thread_sort_index metadata;
//   one complete event ("ph":"X") per instruction, named opcode + " " + label, lasting the
//   engine's occupancy (busy_ns) so slices on one track never overlap; args give the index,
//   operand views, bytes, cycles, dependency wait and the time the result became visible;
//   a DMA transfer spread over several queues has one such event per piece (RunResult::
//   dma_pieces), on its queue's track, with the piece's bytes and the transfer's bytes;
//   one flow ("ph":"s" / "f") per cross-engine dependency edge, producer -> consumer;
//   counter tracks ("ph":"C") "SBUF in use" and "PSUM in use": bytes per partition of the
//   live tiles over time (sim/stats/memory_stats.h).
// Timestamps are microseconds (the format's unit) written as exact decimals of whole
// picoseconds, so ns-scale times survive. Written event by event: memory does not grow with
// the number of instructions.
#pragma once

#include <ostream>
#include <string>

#include "isa/opcodes.h"
#include "isa/program.h"
#include "sim/run_result.h"

namespace trnsim::sim {

inline constexpr int kTimelinePid = 1;

// Track (thread id) of a compute engine, or of DMA queue `queue` when e is kDma.
int timeline_tid(isa::Engine e, int queue);

// Throws trnsim::Error if a record or edge names an instruction outside the program, or a DMA
// record has no queue.
void write_timeline(std::ostream& os, const isa::Program& prog, const RunResult& result);
// Same, to a file; throws trnsim::Error naming the path if it cannot be written.
void write_timeline_file(const std::string& path, const isa::Program& prog,
                         const RunResult& result);

}  // namespace trnsim::sim
