// The trace format reference printed by `trnsim schema`. The instruction list is generated
// from isa/instructions.def, so it cannot drift from what the reader accepts.
#include <sstream>

#include "isa/trace_json.h"
#include "isa/trace_json_internal.h"

namespace trnsim::isa {
namespace {

const char* kHeader = R"(trnsim trace format, version 1
==============================

A trace is one JSON object:

  {"format": "trnsim-trace", "version": 1, "name": "scale",
   "tensors": [{"name": "x", "shape": [128, 512], "dtype": "bfloat16", "role": "input"},
               {"name": "y", "shape": [128, 512], "dtype": "bfloat16", "role": "output"}],
   "tiles": [{"name": "t", "memory": "sbuf", "partitions": 128, "shape": [512],
              "dtype": "float32"}],
   "instructions": [
     {"op": "dma_copy", "dst": "t", "src": "x"},
     {"op": "activation", "dst": "t", "src": "t", "func": "exp", "scale": 0.5},
     {"op": "dma_copy", "dst": "y", "src": "t", "label": "store y"}]}

Every object is strict: an unknown key is an error. "comment" (any value) is allowed in every
object and ignored.

Top level
  format        required  "trnsim-trace"
  version       required  1
  name          optional  string
  dma_issue     optional  program_order (default) | prefetch | asap: how DMA queues order
                          transfers. program_order: each queue in program order (neuronx-cc,
                          or NKI scheduling with the TRIVIAL heuristic); prefetch: loads
                          (HBM -> SBUF/PSUM) start once their dependencies allow, ahead of
                          waiting transfers, the rest in program order (prefetch_auto);
                          asap: every transfer once its dependencies allow (scheduling=True,
                          ASAP heuristic)
  tensors       optional  array of HBM tensors
  tiles         optional  array of on-chip tiles
  instructions  required  array of instructions, executed in this order

Tensor (device HBM)
  name   required  unique among tensors and tiles; no '[', ']', ':', ',' or spaces
  shape  required  array of positive integers; dim 0 plays the partition role in views
  dtype  required  see dtypes below
  role   required  input | output | constant | scratch | spill (HBM the compiler spills
                   SBUF tiles to; counted as spill/reload bytes in stats.json)

Tile (SBUF or PSUM; partitions start at partition 0)
  name        required  unique among tensors and tiles
  memory      required  sbuf | psum
  partitions  required  positive integer (the validator enforces the core's limit, 128)
  shape       required  free shape: non-empty array of positive integers (C order)
  dtype       required
  address     optional  fixed byte offset within each partition; without it the allocator
                        places the tile (first fit in declaration order, 64-byte aligned in
                        SBUF, 4-byte in PSUM; a PSUM tile that fits one bank never straddles
                        two, a larger one starts on a bank boundary)

Instruction
  op      required  opcode (list below)
  engine  optional  one of the engines the instruction allows (default marked *)
  label   optional  free text, shown in timelines and error messages
  <operand>         a view string; operands of kind "view|number" also take a JSON number
  <attribute>       typed value (below)
  An optional operand or attribute may be left out (its default applies) or be null (absent).

Views
  "name"                the whole buffer
  "name[s0, s1, ...]"   one slice per dimension, partition dimension first:
                        start:stop[:step] (omitted start/stop = whole dimension, step > 0),
                        or an integer i = i:i+1 (the dimension is kept, with size 1).
                        Fewer slices than dimensions = the remaining dimensions whole.
                        Negative indices count from the end of the dimension.
  A view keeps the rank of its buffer; its shape is the slice counts and its elements are
  taken in C order. On chip, the first dimension is partitions (step 1).

Numbers
  Immediates and float attributes are JSON numbers, or the strings "inf", "-inf", "nan".
  Integer attributes must be JSON integers; bool attributes true/false; ints attributes
  arrays of integers; alu and act attributes names from the lists below.
)";

const char* kind_text(OperandKind k) {
  switch (k) {
    case OperandKind::kOut:
      return "view, written";
    case OperandKind::kIn:
      return "view, read";
    case OperandKind::kInOrImm:
      return "view|number, read";
  }
  return "?";
}

const char* type_text(AttrType t) {
  switch (t) {
    case AttrType::kInt:
      return "int";
    case AttrType::kFloat:
      return "float";
    case AttrType::kBool:
      return "bool";
    case AttrType::kAlu:
      return "alu";
    case AttrType::kAct:
      return "act";
    case AttrType::kInts:
      return "ints";
  }
  return "?";
}

void write_instruction(std::ostringstream& out, const InstrInfo& in) {
  out << "\n" << in.name << "\n    " << in.summary << "\n    engines:";
  for (int e = 0; e < kNumEngines; ++e) {
    if (!(in.engines & engine_bit(Engine(e)))) continue;
    out << " " << engine_name(Engine(e)) << (Engine(e) == in.default_engine ? "*" : "");
  }
  out << "\n";
  for (const OperandSpec& s : in.operands) {
    out << "    " << s.role << "  (" << kind_text(s.kind) << ")";
    if (s.default_imm) {
      out << "  optional, default " << *s.default_imm;
    } else if (s.optional) {
      out << "  optional";
    }
    out << "\n";
  }
  for (const AttrSpec& s : in.attrs) {
    out << "    " << s.name << "  " << type_text(s.type);
    if (s.default_text) {
      out << "  default " << *s.default_text;
    } else if (s.optional) {
      out << "  optional";
    } else {
      out << "  required";
    }
    out << "\n";
  }
}

}  // namespace

std::string trace_schema_text() {
  std::ostringstream out;
  out << kHeader << "\nNames\n  dtypes:     ";
  for (int t = 0; t < kNumDTypes; ++t) out << (t ? ", " : "") << dtype_name(DType(t));
  out << "\n              (aliases: fp32, bf16, fp16, fp8_e4m3, fp8_e5m2)\n  engines:    ";
  for (int e = 0; e < kNumEngines; ++e) out << (e ? ", " : "") << engine_name(Engine(e));
  out << "\n  alu:        ";
  for (int a = 0; a < kNumAluOps; ++a) out << (a ? ", " : "") << alu_name(AluOp(a));
  out << "\n  act:        ";
  for (int f = 0; f < num_act_funcs(); ++f) out << (f ? ", " : "") << act_name(ActFunc(f));
  out << "\n\nInstructions (operands with their kind, then attributes with type and default)\n";
  for (int op = 0; op < kNumOpcodes; ++op) write_instruction(out, info(Opcode(op)));
  return out.str();
}

}  // namespace trnsim::isa
