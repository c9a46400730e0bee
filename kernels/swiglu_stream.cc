#include "kernels/swiglu_stream.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/common.h"
#include "kernels/matmul_stream.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

constexpr int64_t kChunkCols = 2048;  // 4 KiB per partition of bf16
constexpr int64_t kTokBlock = 128;

struct Stream {
  Builder& b;
  const Ref &x_t, &wg, &wu, &wd, &y;
  DType dt;
  int64_t h, inter, ht, it, tb;
  Ref xs, act;  // x_t tokens block (H tile j at cols j*tb); act_t (I tile i at cols i*tb)
};

// gate and up of one block of I columns [i0, i0 + iw) for tokens [0, tn) of the block.
void gate_up_block(Stream& s, TilePool& chunks, TilePool& pg, TilePool& pu, TilePool& gates,
                   int64_t i0, int64_t iw, int64_t tn) {
  const int64_t pieces = ceil_div(iw, kPartitions);
  Ref ag = pg.next(), au = pu.next();
  for_tiles(s.h, kPartitions, [&](int64_t h0, int64_t hn) {
    const int64_t j = h0 / kPartitions;
    Ref cg = chunks.next().p(0, hn).f(0, iw), cu = chunks.next().p(0, hn).f(0, iw);
    s.b.load(cg, s.wg.p(h0, h0 + hn).f(i0, i0 + iw));
    s.b.load(cu, s.wu.p(h0, h0 + hn).f(i0, i0 + iw));
    Ref x = s.xs.p(0, hn).f(j * s.tb, j * s.tb + tn);
    for (int64_t q = 0; q < pieces; ++q) {
      const int64_t c0 = q * kPartitions, cn = std::min(kPartitions, iw - c0);
      s.b.nc_matmul(ag.p(0, cn).f(q * tn, (q + 1) * tn), cg.f(c0, c0 + cn), x, h0 > 0);
      s.b.nc_matmul(au.p(0, cn).f(q * tn, (q + 1) * tn), cu.f(c0, c0 + cn), x, h0 > 0);
    }
  });
  for (int64_t q = 0; q < pieces; ++q) {
    const int64_t c0 = q * kPartitions, cn = std::min(kPartitions, iw - c0);
    const int64_t i = i0 / kPartitions + q;
    Ref g = gates.next().p(0, cn).f(0, tn);
    s.b.activation(g, ag.p(0, cn).f(q * tn, (q + 1) * tn), ActFunc::kSilu);
    s.b.tensor_tensor(s.act.p(0, cn).f(i * s.tb, i * s.tb + tn), g,
                      au.p(0, cn).f(q * tn, (q + 1) * tn), AluOp::kMultiply);
  }
}

// y[t0 .. t0+tn, hb0 .. hb0+hw] = act_t^T @ wd[:, hb0 .. hb0+hw].
void down_block(Stream& s, TilePool& chunks, TilePool& banks, TilePool& outs, int64_t t0,
                int64_t tn, int64_t hb0, int64_t hw, int& flip) {
  std::vector<Ref> acc;
  for (int64_t c0 = 0; c0 < hw; c0 += kPsumBankFp32)
    acc.push_back(banks.next().p(0, tn).f(0, std::min(kPsumBankFp32, hw - c0)));
  for_tiles(s.inter, kPartitions, [&](int64_t i0, int64_t in) {
    const int64_t i = i0 / kPartitions;
    Ref ch = chunks.next().p(0, in).f(0, hw);
    s.b.load(ch, s.wd.p(i0, i0 + in).f(hb0, hb0 + hw));
    for (size_t q = 0; q < acc.size(); ++q) {
      const int64_t c0 = int64_t(q) * kPsumBankFp32;
      s.b.nc_matmul(acc[q], s.act.p(0, in).f(i * s.tb, i * s.tb + tn),
                    ch.f(c0, c0 + acc[q].dim(1)), i0 > 0);
    }
  });
  Ref o = outs.next().p(0, tn).f(0, hw);
  for (size_t q = 0; q < acc.size(); ++q) {
    const int64_t c0 = int64_t(q) * kPsumBankFp32;
    s.b.tensor_copy(o.f(c0, c0 + acc[q].dim(1)), acc[q],
                    flip++ % 2 ? Engine::kVector : Engine::kScalar);
  }
  s.b.store(s.y.p(t0, t0 + tn).f(hb0, hb0 + hw), o);
}

}  // namespace

void build_swiglu_stream(Builder& b, const Ref& x_t, const Ref& wg, const Ref& wu, const Ref& wd,
                         const Ref& y, DType dtype) {
  const int64_t h = x_t.rows(), t = x_t.dim(1), inter = wg.dim(1);
  const int64_t tb = std::min(t, kTokBlock);
  Stream s{b, x_t, wg, wu, wd, y, dtype, h, inter, ceil_div(h, kPartitions),
           ceil_div(inter, kPartitions), tb, Ref{}, Ref{}};
  s.xs = b.sbuf("x_sb", kPartitions, {s.ht * tb}, dtype);
  s.act = b.sbuf("act_t", kPartitions, {s.it * tb}, dtype);
  // I tiles per gate/up chunk: their [128, tokens] accumulators share one PSUM bank.
  const int64_t per_chunk = std::clamp<int64_t>(kPsumBankFp32 / tb, 1, kChunkCols / kPartitions);
  TilePool chunks(b, "w_chunk", kStreamBuffers, Memory::kSbuf, kPartitions, {kChunkCols}, dtype);
  TilePool pg(b, "acc_gate", 2, Memory::kPsum, kPartitions, {kPsumBankFp32});
  TilePool pu(b, "acc_up", 2, Memory::kPsum, kPartitions, {kPsumBankFp32});
  TilePool banks(b, "acc_down", 4, Memory::kPsum, kPartitions, {kPsumBankFp32});
  TilePool gates(b, "gate", 2, Memory::kSbuf, kPartitions, {tb}, DType::kFp32);
  TilePool outs(b, "out", 2, Memory::kSbuf, kPartitions, {kChunkCols}, dtype);
  int flip = 0;
  for_tiles(t, kTokBlock, [&](int64_t t0, int64_t tn) {
    {
      LabelScope l(b, "load x_t tokens " + std::to_string(t0));
      for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
        const int64_t j = h0 / kPartitions;
        b.load(s.xs.p(0, hn).f(j * tb, j * tb + tn), x_t.p(h0, h0 + hn).f(t0, t0 + tn));
      });
    }
    for_tiles(inter, per_chunk * kPartitions, [&](int64_t i0, int64_t iw) {
      LabelScope l(b, "gate+up I " + std::to_string(i0));
      gate_up_block(s, chunks, pg, pu, gates, i0, iw, tn);
    });
    for_tiles(h, kChunkCols, [&](int64_t hb0, int64_t hw) {
      LabelScope l(b, "down tokens " + std::to_string(t0) + " h " + std::to_string(hb0));
      down_block(s, chunks, banks, outs, t0, tn, hb0, hw, flip);
    });
  });
}

}  // namespace trnsim::kernels
