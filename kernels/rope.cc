#include "kernels/rope.h"

#include <cmath>
#include <random>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"

namespace trnsim::kernels {
namespace {

using isa::AluOp;
using isa::DType;
using isa::Memory;

// Rotates heads [h0, h0 + nh) of tile xt [n, H*D] in place. cos/sin tiles [n, nh*D/2] hold the
// table repeated per head when nh > 1. tmp tiles have xt's shape.
void rotate(Builder& b, const Ref& xt, const Ref& cs, const Ref& sn, const Ref& t1,
            const Ref& t2, int64_t d, int64_t heads, bool all_heads) {
  const int64_t half = d / 2;
  auto emit = [&](const Ref& x1, const Ref& x2, const Ref& c, const Ref& s, const Ref& a,
                  const Ref& bb) {
    b.tensor_tensor(a, x2, s, AluOp::kMultiply);                 // a = x2 sin
    b.tensor_tensor(bb, x1, s, AluOp::kMultiply);                // b = x1 sin
    b.tensor_tensor(x1, x1, c, AluOp::kMultiply, isa::Engine::kGpsimd);  // x1 cos
    b.tensor_tensor(x2, x2, c, AluOp::kMultiply, isa::Engine::kGpsimd);  // x2 cos
    b.tensor_tensor(x1, x1, a, AluOp::kSubtract);
    b.tensor_tensor(x2, x2, bb, AluOp::kAdd);
  };
  if (all_heads) {
    // 3-D views [n, H, D/2] over all heads at once.
    emit(xt.sl(2, 0, half), xt.sl(2, half, d), cs.sl(1, 0, heads), sn.sl(1, 0, heads),
         t1.sl(1, 0, heads).sl(2, 0, half), t2.sl(1, 0, heads).sl(2, 0, half));
  } else {
    for (int64_t h = 0; h < heads; ++h)
      emit(xt.sl(1, h, h + 1).sl(2, 0, half), xt.sl(1, h, h + 1).sl(2, half, d),
           cs.sl(1, 0, 1), sn.sl(1, 0, 1), t1.sl(1, 0, 1).sl(2, 0, half),
           t2.sl(1, 0, 1).sl(2, 0, half));
  }
}

Mat table(int rope, int64_t tokens, int64_t head_dim, int64_t pos0, bool sine) {
  std::vector<double> inv = rope_inv_freq(rope, head_dim);
  Mat m(tokens, head_dim / 2);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      const double a = double(pos0 + t) * inv[i];
      m(t, i) = sine ? std::sin(a) : std::cos(a);
    }
  return m;
}

Mat rope_reference(const Mat& x, const Mat& c, const Mat& s, int64_t d) {
  Mat y = x;
  const int64_t half = d / 2, heads = x.cols() / d;
  for (int64_t t = 0; t < x.rows(); ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double x1 = x(t, h * d + i), x2 = x(t, h * d + half + i);
        y(t, h * d + i) = x1 * c(t, i) - x2 * s(t, i);
        y(t, h * d + half + i) = x2 * c(t, i) + x1 * s(t, i);
      }
  return y;
}

}  // namespace

std::vector<double> rope_inv_freq(int rope, int64_t head_dim) {
  const double theta = rope == 1 ? 500000.0 : 1000000.0;
  std::vector<double> inv(head_dim / 2);
  for (int64_t i = 0; i < head_dim / 2; ++i)
    inv[i] = std::pow(theta, -2.0 * double(i) / double(head_dim));
  if (rope != 1) return inv;
  const double factor = 32, low = 1, high = 4, original = 8192;
  const double low_wavelen = original / low, high_wavelen = original / high;
  for (double& f : inv) {
    const double wavelen = 2 * M_PI / f;
    if (wavelen < high_wavelen) continue;
    if (wavelen > low_wavelen) {
      f /= factor;
    } else {
      const double smooth = (original / wavelen - low) / (high - low);
      f = (1 - smooth) * f / factor + smooth * f;
    }
  }
  return inv;
}

KernelDef rope_kernel() {
  KernelDef d;
  d.name = "rope";
  d.summary = "rotary embedding on q [T, Hq*D] and k [T, Hkv*D], in place in SBUF";
  d.params = {{"tokens", 256, "sequence positions", false},
              {"heads_q", 8, "query heads", false},
              {"heads_kv", 2, "key heads", false},
              {"head_dim", 128, "head dimension (even)", false},
              {"rope", 0, "0: plain theta (Qwen3), 1: Llama 3 frequency scaling", false},
              {"pos0", 0, "position of the first token", false}};
  d.variants = {{"per_head", "six 2-D elementwise ops per head"},
                {"all_heads", "six 3-D strided-view ops per tile covering every head"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 128}, {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 64}},
                   {{"tokens", 130},
                    {"heads_q", 4},
                    {"heads_kv", 2},
                    {"head_dim", 128},
                    {"rope", 1},
                    {"pos0", 9000}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "rope", "rope", 0, 1);
    const int64_t t = c.get("tokens"), hq = c.get("heads_q"), hk = c.get("heads_kv");
    const int64_t dim = c.get("head_dim"), half = dim / 2;
    if (dim % 2) throw Error("kernel rope: head_dim must be even");
    const bool all = variant == "all_heads";
    const int64_t hmax = std::max(hq, hk);
    Builder b("rope_" + variant);
    Ref q = b.input("q", {t, hq * dim}, c.dtype);
    Ref k = b.input("k", {t, hk * dim}, c.dtype);
    Ref cos_t = b.hbm("cos", {t, half}, DType::kFp32, isa::TensorRole::kConstant);
    Ref sin_t = b.hbm("sin", {t, half}, DType::kFp32, isa::TensorRole::kConstant);
    Ref qo = b.output("q_out", {t, hq * dim}, c.dtype);
    Ref ko = b.output("k_out", {t, hk * dim}, c.dtype);
    const int64_t rep = all ? hmax : 1;
    TilePool cs(b, "cos", 2, Memory::kSbuf, kPartitions, {rep, half});
    TilePool sn(b, "sin", 2, Memory::kSbuf, kPartitions, {rep, half});
    TilePool qs(b, "q", 2, Memory::kSbuf, kPartitions, {hq, dim}, c.dtype);
    TilePool ks(b, "k", 2, Memory::kSbuf, kPartitions, {hk, dim}, c.dtype);
    Ref t1 = b.sbuf("t1", kPartitions, {rep, half}, DType::kFp32);
    Ref t2 = b.sbuf("t2", kPartitions, {rep, half}, DType::kFp32);
    for_tiles(t, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "rope rows " + std::to_string(r0));
      Ref ct = cs.next().p(0, n), st = sn.next().p(0, n);
      b.load(ct.sl(1, 0, 1), cos_t.p(r0, r0 + n));
      b.load(st.sl(1, 0, 1), sin_t.p(r0, r0 + n));
      for (int64_t h = 1; h < rep; ++h) {  // replicate the tables per head (all_heads)
        b.tensor_copy(ct.sl(1, h, h + 1), ct.sl(1, 0, 1), isa::Engine::kScalar);
        b.tensor_copy(st.sl(1, h, h + 1), st.sl(1, 0, 1), isa::Engine::kScalar);
      }
      Ref qt = qs.next().p(0, n), kt = ks.next().p(0, n);
      b.load(qt, q.p(r0, r0 + n));
      b.load(kt, k.p(r0, r0 + n));
      rotate(b, qt, ct, st, t1.p(0, n), t2.p(0, n), dim, hq, all);
      rotate(b, kt, ct, st, t1.p(0, n), t2.p(0, n), dim, hk, all);
      b.store(qo.p(r0, r0 + n), qt);
      b.store(ko.p(r0, r0 + n), kt);
    });
    return b.take();
  };
  d.inputs = [](const KernelConfig& c, uint64_t seed) {
    const int64_t t = c.get("tokens"), dim = c.get("head_dim");
    Tensors in;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0, 1);
    for (const char* name : {"q", "k"}) {
      const int64_t heads = c.get(std::string(name) == "q" ? "heads_q" : "heads_kv");
      Mat m(t, heads * dim);
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
      in[name] = round_mat(m, c.dtype);
    }
    const int rope = int(c.get("rope"));
    in["cos"] = round_mat(table(rope, t, dim, c.get("pos0"), false), DType::kFp32);
    in["sin"] = round_mat(table(rope, t, dim, c.get("pos0"), true), DType::kFp32);
    return in;
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t t = c.get("tokens"), dim = c.get("head_dim");
    const int rope = int(c.get("rope"));
    // Tables recomputed here in float64 from positions (independent of the input tables).
    Mat cs = table(rope, t, dim, c.get("pos0"), false), sn = table(rope, t, dim, c.get("pos0"), true);
    return Tensors{{"q_out", rope_reference(in.at("q"), cs, sn, dim)},
                   {"k_out", rope_reference(in.at("k"), cs, sn, dim)}};
  };
  d.flops = [](const KernelConfig& c) {
    return 3.0 * c.get("tokens") * (c.get("heads_q") + c.get("heads_kv")) * c.get("head_dim");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), dim = c.get("head_dim");
    return 2.0 * isa::dtype_bytes(c.dtype) * t * (c.get("heads_q") + c.get("heads_kv")) * dim +
           2.0 * 4 * t * dim / 2;
  };
  return d;
}

}  // namespace trnsim::kernels
