#include "kernels/builder.h"

#include <gtest/gtest.h>

#include "isa/error.h"
#include "kernels/registry.h"

namespace trnsim::kernels {
namespace {

using isa::DType;

TEST(Builder, SlicesComposeRelativeToTheView) {
  Builder b("t");
  Ref x = b.input("x", {300, 1000}, DType::kFp32);
  Ref v = x.p(128, 256).f(100, 900).f(10, 20, 2);
  EXPECT_EQ(v.view.dims[0].start, 128);
  EXPECT_EQ(v.view.dims[0].stop, 256);
  EXPECT_EQ(v.view.dims[1].start, 110);
  EXPECT_EQ(v.view.dims[1].stop, 120);
  EXPECT_EQ(v.view.dims[1].step, 2);
  EXPECT_EQ(v.dim(1), 5);
  EXPECT_THROW(x.p(0, 301), Error);
  EXPECT_THROW(x.sl(2, 0, 1), Error);
}

TEST(Builder, EmitsOperandsAttributesAndLabels) {
  Builder b("t");
  Ref x = b.input("x", {128, 64}, DType::kBf16);
  Ref t = b.sbuf("t", 128, {64}, DType::kFp32);
  Ref s = b.sbuf("s", 128, {1}, DType::kFp32);
  {
    LabelScope l(b, "load");
    b.load(t, x, 3);
  }
  b.tensor_scalar(t, t, isa::AluOp::kMultiply, s, isa::AluOp::kAdd, 2.5);
  const isa::Program& p = b.program();
  ASSERT_EQ(p.instructions.size(), 2u);
  EXPECT_EQ(p.instructions[0].op, isa::Opcode::dma_copy);
  EXPECT_EQ(p.instructions[0].label, "load");
  EXPECT_EQ(p.instructions[0].attr("queue").num, 3);
  EXPECT_EQ(p.instructions[1].label, "");
  const isa::Instruction& ts = p.instructions[1];
  EXPECT_TRUE(ts.operand("operand0").is_view());
  EXPECT_TRUE(ts.operand("operand1").is_imm());
  EXPECT_EQ(ts.operand("operand1").imm, 2.5);
  EXPECT_EQ(ts.attr("op1").num, static_cast<int>(isa::AluOp::kAdd));
  EXPECT_THROW(b.sbuf("t", 128, {1}, DType::kFp32), Error);
}

TEST(Builder, TilePoolRotatesAndLoadsLeaveQueueChoiceToTheSimulator) {
  Builder b("t");
  TilePool pool(b, "buf", 2, isa::Memory::kSbuf, 128, {16}, DType::kFp32);
  Ref a = pool.next(), c = pool.next(), d = pool.next();
  EXPECT_FALSE(a.view.buf == c.view.buf);
  EXPECT_TRUE(a.view.buf == d.view.buf);
  Ref h = b.input("h", {128, 16}, DType::kFp32);
  b.load(a, h);
  b.load(c, h, 5);
  EXPECT_EQ(b.program().instructions[0].attr("queue").num, -1);  // spread by the simulator
  EXPECT_EQ(b.program().instructions[1].attr("queue").num, 5);   // an explicit queue is kept
}

TEST(Registry, ResolvesParamsAndRejectsUnknown) {
  const KernelDef& d = find_kernel("layernorm");
  KernelConfig c = resolve_config(d, parse_params("rows=4096,cols=8192"), DType::kFp32);
  EXPECT_EQ(c.get("rows"), 4096);
  EXPECT_EQ(c.get("bufs"), 2);
  EXPECT_THROW(resolve_config(d, {{"nope", 1}}, DType::kFp32), Error);
  EXPECT_THROW(resolve_config(d, {}, DType::kInt8), Error);
  EXPECT_THROW(find_kernel("no_such_kernel"), Error);
  EXPECT_THROW(parse_params("rows=abc"), Error);
  EXPECT_EQ(params_to_string(parse_params("b=2 a=1")), "a=1,b=2");
}

TEST(Registry, EveryKernelHasVariantsTestPointsAndAccounting) {
  for (const KernelDef& d : all_kernels()) {
    SCOPED_TRACE(d.name);
    EXPECT_FALSE(d.variants.empty());
    EXPECT_FALSE(d.test_points.empty());
    EXPECT_FALSE(d.dtypes.empty());
    KernelConfig c = resolve_config(d, {}, d.dtypes[0]);
    for (const VariantSpec& v : d.variants) EXPECT_FALSE(d.build(c, v.name).instructions.empty());
    EXPECT_GT(d.flops(c), 0);
    EXPECT_GT(d.min_hbm_bytes(c), 0);
  }
}

TEST(Registry, LayerNormCalibrationShapeFitsOnChip) {
  // 4096 x 8192 fp32: both variants must build; tile sizes fit 192 KiB per partition.
  const KernelDef& d = find_kernel("layernorm");
  KernelConfig c = resolve_config(d, {{"rows", 4096}, {"cols", 8192}}, DType::kFp32);
  for (const VariantSpec& v : d.variants) {
    isa::Program p = d.build(c, v.name);
    int64_t sbuf_bytes = 0;
    for (const isa::Tile& t : p.tiles)
      if (t.memory == isa::Memory::kSbuf) sbuf_bytes += t.bytes_per_partition();
    EXPECT_LE(sbuf_bytes, 192 * 1024) << v.name;
  }
}

}  // namespace
}  // namespace trnsim::kernels
