// The JSON trace writer: the canonical form of a program. Views are written in canonical text
// (isa/trace_view.cc), numbers as JSON numbers that round trip doubles, non-finite floats as
// "inf"/"-inf"/"nan". Operands and attributes equal to their table default are left out, the
// engine only when it is not the default, a tile's address only when it is fixed. An optional
// operand or attribute that a table default would fill but the program leaves absent is
// written as null, so that reading the output gives back the same program.
#include <cmath>
#include <fstream>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "isa/trace_json_internal.h"

namespace trnsim::isa {
namespace {

using trace_internal::number_to_json;

// Same value, bit for bit where it matters (NaN equals NaN, 0.0 differs from -0.0).
bool same_number(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

template <typename J>
J attr_to_json(const AttrSpec& spec, const AttrValue& a) {
  switch (spec.type) {
    case AttrType::kInt:
      return J(int64_t(a.num));
    case AttrType::kFloat:
      return J(number_to_json(a.num));
    case AttrType::kBool:
      return J(a.num != 0);
    case AttrType::kAlu:
      if (!(a.num >= 0 && a.num < kNumAluOps))
        throw Error("attribute '" + spec.name + "': no ALU operator " + std::to_string(a.num));
      return J(std::string(alu_name(AluOp(int(a.num)))));
    case AttrType::kAct:
      if (!(a.num >= 0 && a.num < num_act_funcs()))
        throw Error("attribute '" + spec.name + "': no activation function " +
                    std::to_string(a.num));
      return J(std::string(act_name(ActFunc(int(a.num)))));
    case AttrType::kInts:
      return J(a.ints);
  }
  return J();
}

template <typename J>
J instruction_to_json(const Program& prog, const Instruction& ins, size_t index) {
  const InstrInfo& in = info(ins.op);
  if (ins.operands.size() != in.operands.size() || ins.attrs.size() != in.attrs.size())
    throw Error("instruction " + std::to_string(index) + " (" + std::string(in.name) +
                "): operand/attribute slots do not match the instruction table");
  const Instruction defaults = make_instruction(ins.op);
  J j = J::object();
  j["op"] = std::string(in.name);
  if (ins.engine != in.default_engine) j["engine"] = std::string(engine_name(ins.engine));
  for (size_t s = 0; s < in.operands.size(); ++s) {
    const Operand& o = ins.operands[s];
    const Operand& d = defaults.operands[s];
    const std::string& role = in.operands[s].role;
    if (o.is_view()) {
      j[role] = view_to_string(prog, o.view);
    } else if (o.is_imm()) {
      if (!(d.is_imm() && same_number(o.imm, d.imm))) j[role] = number_to_json(o.imm);
    } else if (d.present()) {
      j[role] = nullptr;
    }
  }
  for (size_t s = 0; s < in.attrs.size(); ++s) {
    const AttrSpec& spec = in.attrs[s];
    const AttrValue& a = ins.attrs[s];
    const AttrValue& d = defaults.attrs[s];
    if (!a.present) {
      if (d.present) j[spec.name] = nullptr;
      continue;
    }
    if (d.present && same_number(a.num, d.num) && a.ints == d.ints) continue;
    j[spec.name] = attr_to_json<J>(spec, a);
  }
  if (!ins.label.empty()) j["label"] = ins.label;
  return j;
}

template <typename J>
J tensor_to_json(const HbmTensor& t) {
  J j = J::object();
  j["name"] = t.name;
  j["shape"] = t.shape;
  j["dtype"] = std::string(dtype_name(t.dtype));
  j["role"] = std::string(role_name(t.role));
  return j;
}

template <typename J>
J tile_to_json(const Tile& t) {
  J j = J::object();
  j["name"] = t.name;
  j["memory"] = std::string(memory_name(t.memory));
  j["partitions"] = t.partitions;
  j["shape"] = t.free_shape;
  j["dtype"] = std::string(dtype_name(t.dtype));
  if (t.fixed_address) j["address"] = *t.fixed_address;
  return j;
}

template <typename J>
std::vector<J> items(const Program& prog, std::string_view section) {
  std::vector<J> out;
  if (section == "tensors") {
    for (const HbmTensor& t : prog.tensors) out.push_back(tensor_to_json<J>(t));
  } else if (section == "tiles") {
    for (const Tile& t : prog.tiles) out.push_back(tile_to_json<J>(t));
  } else {
    for (size_t i = 0; i < prog.instructions.size(); ++i)
      out.push_back(instruction_to_json<J>(prog, prog.instructions[i], i));
  }
  return out;
}

}  // namespace

nlohmann::json program_to_json(const Program& prog) {
  nlohmann::json j;
  j["format"] = std::string(trace_internal::kFormatName);
  j["version"] = kTraceFormatVersion;
  j["name"] = prog.name;
  if (prog.dma_issue != DmaIssue::kProgramOrder)
    j["dma_issue"] = std::string(dma_issue_name(prog.dma_issue));
  for (const char* section : {"tensors", "tiles", "instructions"})
    j[section] = items<nlohmann::json>(prog, section);
  return j;
}

// The file form: keys in a reading order ("op" first), one tensor/tile/instruction per line.
std::string trace_to_text(const Program& prog) {
  using OJ = nlohmann::ordered_json;
  std::string out = "{\n";
  out += "  \"format\": " + OJ(std::string(trace_internal::kFormatName)).dump() + ",\n";
  out += "  \"version\": " + std::to_string(kTraceFormatVersion) + ",\n";
  out += "  \"name\": " + OJ(prog.name).dump() + ",\n";
  if (prog.dma_issue != DmaIssue::kProgramOrder)
    out += "  \"dma_issue\": " + OJ(std::string(dma_issue_name(prog.dma_issue))).dump() + ",\n";
  const char* sections[] = {"tensors", "tiles", "instructions"};
  for (int s = 0; s < 3; ++s) {
    const std::vector<OJ> list = items<OJ>(prog, sections[s]);
    out += std::string("  \"") + sections[s] + "\": [";
    for (size_t i = 0; i < list.size(); ++i)
      out += (i ? ",\n    " : "\n    ") + list[i].dump(-1, ' ', false);
    out += list.empty() ? "]" : "\n  ]";
    out += s < 2 ? ",\n" : "\n";
  }
  return out + "}\n";
}

void write_trace_file(const Program& prog, const std::string& path) {
  const std::string text = trace_to_text(prog);
  std::ofstream out(path);
  if (!out) throw Error(path + ": cannot open for writing");
  out << text;
  if (!out) throw Error(path + ": write failed");
}

}  // namespace trnsim::isa
