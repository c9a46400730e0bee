#include "sim/stats/summary.h"

#include "sim/stats/text_table.h"

namespace trnsim::sim {
namespace {

constexpr size_t kSummaryLines = 8;  // kernel source lines shown in the table

std::string us(double ns) { return strformat("%.3f", ns / 1000.0); }
std::string percent(double fraction) { return strformat("%.1f%%", fraction * 100.0); }

std::string bytes_text(int64_t bytes) {
  if (bytes >= (int64_t(1) << 30)) return strformat("%.2f GiB", double(bytes) / (1 << 30));
  if (bytes >= (int64_t(1) << 20)) return strformat("%.2f MiB", double(bytes) / (1 << 20));
  if (bytes >= (int64_t(1) << 10)) return strformat("%.2f KiB", double(bytes) / (1 << 10));
  return strformat("%lld B", static_cast<long long>(bytes));
}

std::string cycles_line(const Stats& s) {
  std::string out;
  for (isa::Engine e : {isa::Engine::kTensor, isa::Engine::kVector, isa::Engine::kScalar,
                        isa::Engine::kGpsimd}) {
    out += (out.empty() ? "" : ", ") +
           strformat("%lld %s", static_cast<long long>(s.total_cycles(e)),
                     std::string(isa::engine_name(e)).c_str());
  }
  return out + " cycles";
}

std::string dma_line(const Stats& s) {
  std::string out = bytes_text(s.dma_bytes) + strformat(", %.1f GB/s = %s of %.1f GB/s peak",
                                                        s.dma_bytes_per_ns,
                                                        percent(s.dma_peak_fraction).c_str(),
                                                        s.dma_peak_bytes_per_ns);
  const DmaQueueStats* busiest = nullptr;
  int used = 0;
  for (const DmaQueueStats& q : s.dma_queues) {
    if (q.transfers > 0) ++used;
    if (!busiest || q.busy_ns > busiest->busy_ns) busiest = &q;
  }
  if (busiest && busiest->transfers > 0)
    out += strformat(" (%d of %zu queues used, busiest q%d %s)", used, s.dma_queues.size(),
                     busiest->queue, percent(busiest->utilisation).c_str());
  return out;
}

}  // namespace

std::string format_summary(const Stats& s) {
  if (!s.timed)
    return strformat("no timing (values-only run), %lld instructions\n",
                     static_cast<long long>(s.instructions));
  std::string out = strformat("total time  %s us  (%s)\n", us(s.total_ns).c_str(),
                              cycles_line(s).c_str());
  TextTable t;
  t.add_row({"engine", "busy_us", "util", "instrs", "dep_wait_us"});
  for (int e = 0; e < isa::kNumEngines; ++e) {
    const EngineStats& es = s.engines[e];
    // The DMA row is per queue on average (queue busy sum / queues), see stats.h.
    const std::string name = e == static_cast<int>(isa::Engine::kDma)
                                 ? "dma/queue"
                                 : std::string(isa::engine_name(static_cast<isa::Engine>(e)));
    t.add_row({name, us(es.busy_ns),
               percent(es.utilisation), std::to_string(es.instructions), us(es.dep_wait_ns)});
  }
  out += t.str();
  out += "DMA         " + dma_line(s) + "\n";
  out += strformat("FLOPs       %.4g, %.2f TFLOP/s = %s of %.2f TFLOP/s tensor bf16 peak\n",
                   s.flops, s.flops_per_ns / 1000.0, percent(s.tensor_peak_fraction).c_str(),
                   s.tensor_peak_flops_per_ns / 1000.0);
  return out + format_slowness(s.why, kSummaryLines);
}

}  // namespace trnsim::sim
