#include "kernels/norms.h"

#include <cmath>

#include "kernels/builder.h"
#include "kernels/common.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

const std::vector<DType> kFloatTypes = {DType::kFp32, DType::kBf16};

std::vector<ParamSpec> row_params(int64_t rows, int64_t cols) {
  return {{"rows", rows, "rows of x (tokens)", false},
          {"cols", cols, "cols of x (hidden size, normalised dim)", false},
          {"bufs", 2, "row tiles in flight (input buffers)", true}};
}

}  // namespace

Mat rmsnorm_reference(const Mat& x, const Mat& w_row, double eps) {
  Mat y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double ms = x.row(r).squaredNorm() / double(x.cols());
    y.row(r) = x.row(r).cwiseProduct(w_row.row(0)) / std::sqrt(ms + eps);
  }
  return y;
}

Mat layernorm_reference(const Mat& x, const Mat& gamma_row, const Mat& beta_row, double eps) {
  Mat y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double mean = x.row(r).mean();
    Eigen::RowVectorXd xc = x.row(r).array() - mean;
    const double var = xc.squaredNorm() / double(x.cols());
    y.row(r) = (xc / std::sqrt(var + eps)).cwiseProduct(gamma_row.row(0)) + beta_row.row(0);
  }
  return y;
}

void emit_rmsnorm_tile(Builder& b, const Ref& xt, const Ref& w_bcast, const Ref& scratch,
                       const Ref& stat, const Ref& rstd, const Ref& eps_col, int64_t cols,
                       bool vector_stats) {
  const int64_t n = xt.rows();
  const Ref sq = scratch.p(0, n);
  const Ref ss = stat.p(0, n);
  if (vector_stats) {
    b.tensor_tensor(sq, xt, xt, AluOp::kMultiply);
    b.tensor_reduce(ss, sq, AluOp::kAdd);
  } else {
    b.activation(sq, xt, ActFunc::kSquare, std::nullopt, 1.0, ss);
  }
  b.activation(rstd.p(0, n), ss, ActFunc::kRsqrt, eps_col.p(0, n), 1.0 / double(cols));
  b.scalar_tensor_tensor(xt, xt, AluOp::kMultiply, rstd.p(0, n), AluOp::kMultiply,
                         w_bcast.p(0, n));
}

// ---- rmsnorm ---------------------------------------------------------------------------------

KernelDef rmsnorm_kernel() {
  KernelDef d;
  d.name = "rmsnorm";
  d.summary = "y = x * rsqrt(mean(x^2) + eps) * w over the last dim";
  d.params = row_params(256, 1024);
  d.test_points = {{{"rows", 128}, {"cols", 256}}, {{"rows", 200}, {"cols", 700}}};
  d.variants = {{"scalar_fused", "x^2 and its sum in one ScalarE activation with accumulate"},
                {"vector_stats", "x^2 and its sum on VectorE (tensor_tensor + tensor_reduce)"}};
  d.dtypes = kFloatTypes;
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "rmsnorm", "bufs", 1, 8);
    const int64_t rows = c.get("rows"), cols = c.get("cols");
    Builder b("rmsnorm_" + variant);
    Ref x = b.input("x", {rows, cols}, c.dtype);
    Ref w = b.input("w", {1, cols}, c.dtype);
    Ref y = b.output("y", {rows, cols}, c.dtype);
    Ref wb = broadcast_row(b, "w_bcast", w, c.dtype);
    Ref eps = constant_column(b, "eps", kRmsNormEps);
    TilePool xs(b, "x", int(c.get("bufs")), Memory::kSbuf, kPartitions, {cols}, c.dtype);
    Ref scratch = b.sbuf("sq", kPartitions, {cols}, DType::kFp32);
    TilePool stats(b, "ss", 2, Memory::kSbuf, kPartitions, {1}, DType::kFp32);
    TilePool rstds(b, "rstd", 2, Memory::kSbuf, kPartitions, {1}, DType::kFp32);
    for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "rmsnorm rows " + std::to_string(r0));
      Ref xt = xs.next().p(0, n);
      b.load(xt, x.p(r0, r0 + n));
      emit_rmsnorm_tile(b, xt, wb, scratch, stats.next(), rstds.next(), eps, cols,
                        variant == "vector_stats");
      b.store(y.p(r0, r0 + n), xt);
    });
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    return Tensors{{"y", rmsnorm_reference(in.at("x"), in.at("w"), kRmsNormEps)}};
  };
  d.flops = [](const KernelConfig& c) { return 4.0 * c.get("rows") * c.get("cols"); };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    return double(isa::dtype_bytes(c.dtype)) * c.get("cols") * (2 * c.get("rows") + 1);
  };
  return d;
}

// ---- rmsnorm_residual ------------------------------------------------------------------------

KernelDef rmsnorm_residual_kernel() {
  KernelDef d;
  d.name = "rmsnorm_residual";
  d.summary = "h = x + res; y = rmsnorm(h) * w (outputs y and h)";
  d.params = row_params(256, 1024);
  d.test_points = {{{"rows", 128}, {"cols", 256}}, {{"rows", 200}, {"cols", 700}}};
  d.variants = {{"separate", "residual add pass writes h to HBM, rmsnorm pass reads it back"},
                {"fused", "add and rmsnorm on the same SBUF tile, one HBM round trip"}};
  d.dtypes = kFloatTypes;
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "rmsnorm_residual", "bufs", 1, 8);
    const int64_t rows = c.get("rows"), cols = c.get("cols");
    const int bufs = int(c.get("bufs"));
    Builder b("rmsnorm_residual_" + variant);
    Ref x = b.input("x", {rows, cols}, c.dtype);
    Ref res = b.input("res", {rows, cols}, c.dtype);
    Ref w = b.input("w", {1, cols}, c.dtype);
    Ref y = b.output("y", {rows, cols}, c.dtype);
    Ref h = b.output("h", {rows, cols}, c.dtype);
    Ref wb = broadcast_row(b, "w_bcast", w, c.dtype);
    Ref eps = constant_column(b, "eps", kRmsNormEps);
    TilePool xs(b, "x", bufs, Memory::kSbuf, kPartitions, {cols}, c.dtype);
    TilePool rs(b, "res", bufs, Memory::kSbuf, kPartitions, {cols}, c.dtype);
    Ref scratch = b.sbuf("sq", kPartitions, {cols}, DType::kFp32);
    TilePool stats(b, "ss", 2, Memory::kSbuf, kPartitions, {1}, DType::kFp32);
    TilePool rstds(b, "rstd", 2, Memory::kSbuf, kPartitions, {1}, DType::kFp32);
    const bool fused = variant == "fused";
    for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "residual add rows " + std::to_string(r0));
      Ref xt = xs.next().p(0, n);
      Ref rt = rs.next().p(0, n);
      b.load(xt, x.p(r0, r0 + n));
      b.load(rt, res.p(r0, r0 + n));
      b.tensor_tensor(xt, xt, rt, AluOp::kAdd);
      b.store(h.p(r0, r0 + n), xt);
      if (fused) {
        b.set_label("rmsnorm rows " + std::to_string(r0));
        emit_rmsnorm_tile(b, xt, wb, scratch, stats.next(), rstds.next(), eps, cols, false);
        b.store(y.p(r0, r0 + n), xt);
      }
    });
    if (!fused) {
      for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
        LabelScope l(b, "rmsnorm rows " + std::to_string(r0));
        Ref xt = xs.next().p(0, n);
        b.load(xt, h.p(r0, r0 + n));
        emit_rmsnorm_tile(b, xt, wb, scratch, stats.next(), rstds.next(), eps, cols, false);
        b.store(y.p(r0, r0 + n), xt);
      });
    }
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    Mat h = round_mat(in.at("x") + in.at("res"), c.dtype);
    Mat y = rmsnorm_reference(h, in.at("w"), kRmsNormEps);
    return Tensors{{"y", y}, {"h", h}};
  };
  d.flops = [](const KernelConfig& c) { return 5.0 * c.get("rows") * c.get("cols"); };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    return double(isa::dtype_bytes(c.dtype)) * c.get("cols") * (4 * c.get("rows") + 1);
  };
  return d;
}

// ---- layernorm -------------------------------------------------------------------------------

KernelDef layernorm_kernel() {
  KernelDef d;
  d.name = "layernorm";
  d.summary = "y = (x - mean) * rsqrt(var + eps) * gamma + beta over the last dim";
  d.params = row_params(256, 1024);
  d.params.push_back({"affine", 1, "1: apply gamma and beta; 0: plain normalisation", false});
  d.test_points = {{{"rows", 128}, {"cols", 256}},
                   {{"rows", 200}, {"cols", 700}},
                   {{"rows", 130}, {"cols", 1100}, {"affine", 0}}};
  d.variants = {
      {"reductions", "mean and variance by tensor_reduce / activation accumulate, then normalise"},
      {"bn_stats", "bn_stats/bn_aggr statistics and one tensor_scalar normalisation"}};
  d.dtypes = kFloatTypes;
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "layernorm", "bufs", 1, 8);
    require_range(c, "layernorm", "affine", 0, 1);
    const int64_t rows = c.get("rows"), cols = c.get("cols");
    const bool affine = c.get("affine") == 1;
    Builder b("layernorm_" + variant);
    Ref x = b.input("x", {rows, cols}, c.dtype);
    Ref y = b.output("y", {rows, cols}, c.dtype);
    Ref gb, bb;
    if (affine) {
      Ref gamma = b.input("gamma", {1, cols}, c.dtype);
      Ref beta = b.input("beta", {1, cols}, c.dtype);
      gb = broadcast_row(b, "gamma_bcast", gamma, c.dtype);
      bb = broadcast_row(b, "beta_bcast", beta, c.dtype);
    }
    Ref eps = constant_column(b, "eps", kLayerNormEps);
    TilePool xs(b, "x", int(c.get("bufs")), Memory::kSbuf, kPartitions, {cols}, c.dtype);
    const bool bn = variant == "bn_stats";
    const int64_t chunks = ceil_div(cols, 512);
    Ref scratch = bn ? Ref{} : b.sbuf("sq", kPartitions, {cols}, DType::kFp32);
    TilePool stat_a(b, "stat", 2, Memory::kSbuf, kPartitions, {bn ? 6 * chunks : 1},
                    DType::kFp32);
    TilePool stat_b(b, "mv", 2, Memory::kSbuf, kPartitions, {2}, DType::kFp32);
    TilePool rstds(b, "rstd", 2, Memory::kSbuf, kPartitions, {1}, DType::kFp32);
    for_tiles(rows, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "layernorm rows " + std::to_string(r0));
      Ref xt = xs.next().p(0, n);
      Ref sa = stat_a.next().p(0, n);
      Ref mv = stat_b.next().p(0, n);
      Ref rstd = rstds.next().p(0, n);
      b.load(xt, x.p(r0, r0 + n));
      if (bn) {
        b.set_label("layernorm bn_stats rows " + std::to_string(r0));
        for_tiles(cols, 512, [&](int64_t c0, int64_t m) {
          const int64_t j = c0 / 512;
          b.bn_stats(sa.f(6 * j, 6 * j + 6), xt.f(c0, c0 + m));
        });
        b.bn_aggr(mv, sa);
        b.tensor_scalar(rstd, mv.f(1, 2), AluOp::kAdd, kLayerNormEps, AluOp::kPower, -0.5);
        b.set_label("layernorm normalise rows " + std::to_string(r0));
        b.tensor_scalar(xt, xt, AluOp::kSubtract, mv.f(0, 1), AluOp::kMultiply, rstd);
      } else {
        b.set_label("layernorm mean rows " + std::to_string(r0));
        b.tensor_reduce(sa, xt, AluOp::kAdd);
        b.tensor_scalar(mv.f(0, 1), sa, AluOp::kMultiply, -1.0 / double(cols));
        b.activation(xt, xt, isa::ActFunc::kIdentity, mv.f(0, 1));
        b.set_label("layernorm variance rows " + std::to_string(r0));
        b.activation(scratch.p(0, n), xt, isa::ActFunc::kSquare, std::nullopt, 1.0, mv.f(1, 2));
        b.activation(rstd, mv.f(1, 2), isa::ActFunc::kRsqrt, eps.p(0, n), 1.0 / double(cols));
        b.set_label("layernorm normalise rows " + std::to_string(r0));
        b.tensor_scalar(xt, xt, AluOp::kMultiply, rstd);
      }
      if (affine) {
        b.tensor_tensor(xt, xt, gb.p(0, n), AluOp::kMultiply);
        b.tensor_tensor(xt, xt, bb.p(0, n), AluOp::kAdd);
      }
      b.store(y.p(r0, r0 + n), xt);
    });
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const Mat& x = in.at("x");
    if (c.get("affine") == 1)
      return Tensors{{"y", layernorm_reference(x, in.at("gamma"), in.at("beta"), kLayerNormEps)}};
    Mat ones = Mat::Ones(1, x.cols()), zeros = Mat::Zero(1, x.cols());
    return Tensors{{"y", layernorm_reference(x, ones, zeros, kLayerNormEps)}};
  };
  d.flops = [](const KernelConfig& c) { return 8.0 * c.get("rows") * c.get("cols"); };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double extra = c.get("affine") == 1 ? 2.0 : 0.0;
    return double(isa::dtype_bytes(c.dtype)) * c.get("cols") * (2.0 * c.get("rows") + extra);
  };
  return d;
}

}  // namespace trnsim::kernels
