#include "sim/bench/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "isa/semantics/machine_state.h"
#include "isa/validate.h"
#include "sim/inputs.h"
#include "sim/simulate.h"
#include "sim/stats/text_table.h"

namespace trnsim::sim {
namespace {

constexpr int kSteps = 6;    // instructions per step
constexpr int kRotate = 4;   // buffers per on-chip role
constexpr int kHbmRows = 8;  // 128-row blocks of the HBM input/output

using isa::BufferRef;
using isa::Memory;
using isa::Operand;
using isa::Slice;
using isa::View;

View rows(BufferRef b, int64_t block, int64_t free_elems) {
  return View{b, {Slice{block * 128, (block + 1) * 128, 1}, Slice{0, free_elems, 1}}};
}

Operand view_operand(const View& v) {
  Operand o;
  o.kind = Operand::Kind::kView;
  o.view = v;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int64_t peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

isa::Program make_bench_program(int64_t instructions, int64_t free_elems) {
  isa::Program p;
  p.name = "bench";
  p.tensors.push_back({"x", {kHbmRows * 128, free_elems}, isa::DType::kBf16,
                       isa::TensorRole::kInput});
  p.tensors.push_back({"y", {kHbmRows * 128, free_elems}, isa::DType::kBf16,
                       isa::TensorRole::kOutput});
  auto tile = [&](const std::string& name, Memory m, isa::DType t) {
    p.tiles.push_back({name, m, 128, {free_elems}, t, std::nullopt, -1});
    return BufferRef{m, int32_t(p.tiles.size() - 1)};
  };
  const BufferRef w = tile("w", Memory::kSbuf, isa::DType::kBf16);
  p.tiles.back().free_shape = {128};
  BufferRef a[kRotate], ps[2], s[kRotate], v[kRotate], g[kRotate];
  for (int r = 0; r < kRotate; ++r) {
    a[r] = tile("a" + std::to_string(r), Memory::kSbuf, isa::DType::kBf16);
    s[r] = tile("s" + std::to_string(r), Memory::kSbuf, isa::DType::kBf16);
    v[r] = tile("v" + std::to_string(r), Memory::kSbuf, isa::DType::kBf16);
    g[r] = tile("g" + std::to_string(r), Memory::kSbuf, isa::DType::kFp32);
  }
  for (int r = 0; r < 2; ++r) ps[r] = tile("p" + std::to_string(r), Memory::kPsum, isa::DType::kFp32);
  const BufferRef x{Memory::kHbm, 0}, y{Memory::kHbm, 1};

  p.instructions.reserve(instructions + 1);
  auto add = [&](isa::Opcode op) -> isa::Instruction& {
    p.instructions.push_back(isa::make_instruction(op));
    return p.instructions.back();
  };
  isa::Instruction& ws = add(isa::Opcode::memset);
  ws.operand("dst") = view_operand(p.whole(w));
  ws.attr("value").num = 0.01;
  ws.attr("value").present = true;
  for (int64_t i = 0; int64_t(p.instructions.size()) + kSteps <= instructions + 1; ++i) {
    const int r = int(i % kRotate), q = int(i % 2);
    const int64_t block = i % kHbmRows;
    isa::Instruction& ld = add(isa::Opcode::dma_copy);
    ld.operand("dst") = view_operand(p.whole(a[r]));
    ld.operand("src") = view_operand(rows(x, block, free_elems));
    isa::Instruction& mm = add(isa::Opcode::nc_matmul);
    mm.operand("dst") = view_operand(p.whole(ps[q]));
    mm.operand("stationary") = view_operand(p.whole(w));
    mm.operand("moving") = view_operand(p.whole(a[r]));
    isa::Instruction& act = add(isa::Opcode::activation);
    act.operand("dst") = view_operand(p.whole(s[r]));
    act.operand("src") = view_operand(p.whole(ps[q]));
    act.attr("func").num = int(isa::ActFunc::kExp);
    act.attr("func").present = true;
    isa::Instruction& tt = add(isa::Opcode::tensor_tensor);
    tt.operand("dst") = view_operand(p.whole(v[r]));
    tt.operand("src0") = view_operand(p.whole(s[r]));
    tt.operand("src1") = view_operand(p.whole(a[r]));
    tt.attr("alu_op").num = int(isa::AluOp::kAdd);
    tt.attr("alu_op").present = true;
    isa::Instruction& io = add(isa::Opcode::iota);
    io.operand("dst") = view_operand(p.whole(g[r]));
    io.attr("pattern").ints = {1};
    io.attr("pattern").present = true;
    isa::Instruction& st = add(isa::Opcode::dma_copy);
    st.operand("dst") = view_operand(rows(y, block, free_elems));
    st.operand("src") = view_operand(p.whole(v[r]));
  }
  return p;
}

int64_t instructions_in_bench_program(int64_t instructions) {
  return 1 + std::max<int64_t>(0, instructions / kSteps) * kSteps;
}

BenchFigures run_bench(const HwConfig& cfg, int64_t instructions, int64_t values_instructions,
                       int64_t free_elems) {
  BenchFigures f;
  auto t0 = std::chrono::steady_clock::now();
  isa::Program prog = make_bench_program(instructions, free_elems);
  isa::validate(prog, cfg.memory.limits);
  f.build_s = seconds_since(t0);
  f.instructions = int64_t(prog.instructions.size());

  t0 = std::chrono::steady_clock::now();
  const TimingPlan plan = build_plan(prog, cfg);
  f.plan_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  RunResult timing = run_plan(plan, prog, nullptr);
  f.run_s = seconds_since(t0);
  f.timing_only_s = f.plan_s + f.run_s;
  f.simulated_ns = timing.total_ns;
  f.systemc_waits = timing.systemc_waits;

  if (values_instructions > 0) {
    isa::Program small = make_bench_program(values_instructions, free_elems);
    isa::validate(small, cfg.memory.limits);
    auto st = std::make_unique<isa::MachineState>(small, cfg.memory.limits);
    load_inputs(*st, {}, 1);
    t0 = std::chrono::steady_clock::now();
    simulate(small, cfg, Mode::kValuesAndTiming, st.get());
    f.values_s = seconds_since(t0);
    f.values_instructions = int64_t(small.instructions.size());
  }
  f.peak_rss_kib = peak_rss_kib();
  return f;
}

std::string format_bench(const BenchFigures& f) {
  std::string out;
  out += strformat("program:      %lld instructions (build + validate %.2f s)\n",
                   (long long)f.instructions, f.build_s);
  out += strformat("timing-only:  %.3f s wall, %.2f M instructions/s, %.1f us simulated\n",
                   f.timing_only_s, f.instructions / f.timing_only_s / 1e6, f.simulated_ns / 1e3);
  out += strformat("  of which:   plan %.3f s (%.2f M instructions/s), run %.3f s (%.2f M/s)\n",
                   f.plan_s, f.instructions / f.plan_s / 1e6, f.run_s,
                   f.instructions / f.run_s / 1e6);
  out += strformat("  SystemC:    %lld wait() calls, %.2f per instruction\n",
                   (long long)f.systemc_waits, double(f.systemc_waits) / double(f.instructions));
  if (f.values_instructions > 0)
    out += strformat("with values:  %lld instructions in %.3f s wall, %.3f M instructions/s\n",
                     (long long)f.values_instructions, f.values_s,
                     f.values_instructions / f.values_s / 1e6);
  out += strformat("peak memory:  %.1f MiB (max RSS of this process)\n", f.peak_rss_kib / 1024.0);
  return out;
}

}  // namespace trnsim::sim
