#include "kernels/elementwise.h"

#include <cmath>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Memory;

}  // namespace

Mat softmax_reference(const Mat& x) {
  Mat y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    Eigen::RowVectorXd e = (x.row(r).array() - x.row(r).maxCoeff()).exp();
    y.row(r) = e / e.sum();
  }
  return y;
}

Mat silu_reference(const Mat& x) {
  return x.array() / (1.0 + (-x.array()).exp());
}

KernelDef softmax_kernel() {
  KernelDef d;
  d.name = "softmax";
  d.summary = "y = softmax(x) over the last dim, with max subtraction";
  d.params = {{"rows", 256, "rows of x", false},
              {"cols", 2048, "cols of x (softmax dim)", false},
              {"bufs", 2, "row tiles in flight", true}};
  d.variants = {{"separate", "exp on ScalarE, then a separate VectorE sum reduction"},
                {"fused", "exp and its row sum in one ScalarE activation with accumulate"}};
  d.dtypes = {DType::kFp32, DType::kBf16};
  d.test_points = {{{"rows", 128}, {"cols", 256}}, {{"rows", 150}, {"cols", 1000}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "softmax", "bufs", 1, 8);
    const int64_t rows = c.get("rows"), cols = c.get("cols");
    const bool fused = variant == "fused";
    Builder b("softmax_" + variant);
    Ref x = b.input("x", {rows, cols}, c.dtype);
    Ref y = b.output("y", {rows, cols}, c.dtype);
    TilePool xs(b, "x", int(c.get("bufs")), Memory::kSbuf, kPartitions, {cols}, c.dtype);
    TilePool negmax(b, "negmax", 2, Memory::kSbuf, kPartitions, {1});
    TilePool sums(b, "sum", 2, Memory::kSbuf, kPartitions, {1});
    TilePool recips(b, "rsum", 2, Memory::kSbuf, kPartitions, {1});
    for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "softmax rows " + std::to_string(r0));
      Ref xt = xs.next().p(0, n);
      Ref nm = negmax.next().p(0, n), s = sums.next().p(0, n), rs = recips.next().p(0, n);
      b.load(xt, x.p(r0, r0 + n));
      b.tensor_reduce(nm, xt, AluOp::kMax, {}, true);
      if (fused) {
        b.activation(xt, xt, ActFunc::kExp, nm, 1.0, s);
      } else {
        b.activation(xt, xt, ActFunc::kExp, nm);
        b.tensor_reduce(s, xt, AluOp::kAdd);
      }
      b.reciprocal(rs, s);
      b.tensor_scalar(xt, xt, AluOp::kMultiply, rs);
      b.store(y.p(r0, r0 + n), xt);
    });
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    return Tensors{{"y", softmax_reference(in.at("x"))}};
  };
  d.flops = [](const KernelConfig& c) { return 5.0 * c.get("rows") * c.get("cols"); };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    return 2.0 * isa::dtype_bytes(c.dtype) * c.get("rows") * c.get("cols");
  };
  return d;
}

KernelDef silu_kernel() {
  KernelDef d;
  d.name = "silu";
  d.summary = "y = x * sigmoid(x), elementwise";
  d.params = {{"rows", 256, "rows of x", false},
              {"cols", 4096, "cols of x", false},
              {"chunk", 2048, "free-dim elements per instruction and DMA", true},
              {"bufs", 3, "chunks in flight", true}};
  d.variants = {{"sigmoid_mul", "sigmoid on ScalarE, multiply by x on VectorE"},
                {"silu", "one ScalarE silu activation"}};
  d.dtypes = {DType::kFp32, DType::kBf16};
  d.test_points = {{{"rows", 128}, {"cols", 256}},
                   {{"rows", 130}, {"cols", 1000}, {"chunk", 384}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "silu", "bufs", 1, 8);
    const int64_t rows = c.get("rows"), cols = c.get("cols"), chunk = c.get("chunk");
    Builder b("silu_" + variant);
    Ref x = b.input("x", {rows, cols}, c.dtype);
    Ref y = b.output("y", {rows, cols}, c.dtype);
    const int bufs = int(c.get("bufs"));
    TilePool xs(b, "x", bufs, Memory::kSbuf, kPartitions, {chunk}, c.dtype);
    TilePool ss(b, "sig", bufs, Memory::kSbuf, kPartitions, {chunk}, c.dtype);
    for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
      for_tiles(cols, chunk, [&](int64_t c0, int64_t w) {
        LabelScope l(b, "silu rows " + std::to_string(r0) + " cols " + std::to_string(c0));
        Ref xt = xs.next().p(0, n).f(0, w);
        b.load(xt, x.p(r0, r0 + n).f(c0, c0 + w));
        if (variant == "silu") {
          b.activation(xt, xt, ActFunc::kSilu);
          b.store(y.p(r0, r0 + n).f(c0, c0 + w), xt);
        } else {
          Ref st = ss.next().p(0, n).f(0, w);
          b.activation(st, xt, ActFunc::kSigmoid);
          b.tensor_tensor(st, st, xt, AluOp::kMultiply);
          b.store(y.p(r0, r0 + n).f(c0, c0 + w), st);
        }
      });
    });
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    return Tensors{{"y", silu_reference(in.at("x"))}};
  };
  d.flops = [](const KernelConfig& c) { return 4.0 * c.get("rows") * c.get("cols"); };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    return 2.0 * isa::dtype_bytes(c.dtype) * c.get("rows") * c.get("cols");
  };
  return d;
}

}  // namespace trnsim::kernels
