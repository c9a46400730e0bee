// The JSON trace reader (format: isa/trace_json.h). Strict: unknown keys, wrong JSON types,
// unknown names and malformed views are errors that name where ("instruction 17 (nc_matmul):
// field 'moving': ..."). Shape contracts and bounds are the validator's job (isa/validate.h).
#include "isa/trace_json.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/json_unique_keys.h"
#include "isa/trace_json_internal.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

std::string type_name(const json& j) { return j.type_name(); }
// A JSON value as messages echo it: its text, at most ~200 characters.
std::string echo(const json& j) { return bounded_json(j); }

// True if `j` is an integer that fits int64 (nlohmann stores integers past 2^63 - 1 unsigned).
bool is_int64(const json& j) {
  if (j.is_number_unsigned())
    return j.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
  return j.is_number_integer();
}

// Where an error is: "tensor 'x'", "instruction 3 (nc_matmul) 'label'", ...
class Where {
 public:
  explicit Where(std::string where) : where_(std::move(where)) {}
  Error error(const std::string& what) const { return Error(where_ + ": " + what); }
  Error field_error(std::string_view field, const std::string& what) const {
    return error("field '" + std::string(field) + "': " + what);
  }
  const json& required(const json& obj, std::string_view key) const {
    auto it = obj.find(key);
    if (it == obj.end()) throw field_error(key, "missing");
    return *it;
  }
  void check_keys(const json& obj, const std::set<std::string, std::less<>>& allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!allowed.count(it.key())) throw error("unknown field '" + bounded(it.key()) + "'");
  }
  std::string string_field(const json& obj, std::string_view key) const {
    const json& j = required(obj, key);
    if (!j.is_string()) throw field_error(key, "expected a string, got " + type_name(j));
    return j.get<std::string>();
  }
  int64_t int_value(const json& j, std::string_view key) const {
    if (!is_int64(j))
      throw field_error(key, "expected an integer, got " + type_name(j) + " " + echo(j));
    return j.get<int64_t>();
  }
  std::vector<int64_t> shape_field(const json& obj, std::string_view key) const {
    const json& j = required(obj, key);
    if (!j.is_array() || j.empty())
      throw field_error(key, "expected a non-empty array of positive integers, got " + echo(j));
    std::vector<int64_t> shape;
    for (const json& d : j) {
      const int64_t n = int_value(d, key);
      if (n <= 0) throw field_error(key, "dimension " + std::to_string(n) + " is not positive");
      shape.push_back(n);
    }
    return shape;
  }

 private:
  std::string where_;
};

void check_buffer_name(const Where& w, const std::string& name) {
  if (name.empty()) throw w.field_error("name", "empty");
  if (name.find_first_of("[]:, \t\n") != std::string::npos)
    throw w.field_error("name",
                        "'" + bounded(name) + "' contains one of '[', ']', ':', ',' or space");
  if (name == "inf" || name == "-inf" || name == "nan")
    throw w.field_error("name", "'" + name + "' is reserved for numbers");
}

DType dtype_field(const Where& w, const json& obj) {
  const std::string name = w.string_field(obj, "dtype");
  DType t;
  if (!parse_dtype(name, &t))
    throw w.field_error("dtype", "unknown dtype '" + bounded(name, 40) + "'");
  return t;
}

// Checks that buffer `index` of `kind` ("tensor" or "tile") is an object with a valid name,
// stores the name in *name and returns where the buffer is ("tile 'x'") for its other fields.
Where buffer_where(const std::string& kind, const json& j, size_t index, std::string* name) {
  const Where by_index(kind + " " + std::to_string(index));
  if (!j.is_object()) throw by_index.error("expected an object, got " + type_name(j));
  *name = by_index.string_field(j, "name");
  Where w(kind + " '" + bounded(*name) + "'");
  check_buffer_name(w, *name);
  return w;
}

HbmTensor parse_tensor(const json& j, size_t index) {
  HbmTensor t;
  const Where w = buffer_where("tensor", j, index, &t.name);
  w.check_keys(j, {"name", "shape", "dtype", "role", "comment"});
  t.shape = w.shape_field(j, "shape");
  t.dtype = dtype_field(w, j);
  const std::string role = w.string_field(j, "role");
  if (!parse_role(role, &t.role))
    throw w.field_error("role", "unknown role '" + bounded(role, 40) +
                                    "' (input, output, constant, scratch or spill)");
  return t;
}

Tile parse_tile(const json& j, size_t index) {
  Tile t;
  const Where w = buffer_where("tile", j, index, &t.name);
  w.check_keys(j, {"name", "memory", "partitions", "shape", "dtype", "address", "comment"});
  const std::string memory = w.string_field(j, "memory");
  if (memory == "sbuf") {
    t.memory = Memory::kSbuf;
  } else if (memory == "psum") {
    t.memory = Memory::kPsum;
  } else {
    throw w.field_error("memory",
                        "unknown on-chip memory '" + bounded(memory, 40) + "' (sbuf or psum)");
  }
  t.partitions = w.int_value(w.required(j, "partitions"), "partitions");
  if (t.partitions <= 0)
    throw w.field_error("partitions", std::to_string(t.partitions) + " is not positive");
  t.free_shape = w.shape_field(j, "shape");
  t.dtype = dtype_field(w, j);
  if (auto it = j.find("address"); it != j.end()) {
    t.fixed_address = w.int_value(*it, "address");
    if (*t.fixed_address < 0)
      throw w.field_error("address", std::to_string(*t.fixed_address) + " is negative");
  }
  return t;
}

Operand parse_operand(const Program& prog, const Where& w, const OperandSpec& spec, const json& j) {
  Operand o;
  if (j.is_null()) {
    if (!spec.optional) throw w.field_error(spec.role, "required operand is null");
    return o;  // explicitly absent
  }
  if (spec.kind == OperandKind::kInOrImm) {
    double v = 0;
    if (trace_internal::json_to_number(j, &v)) {
      o.kind = Operand::Kind::kImm;
      o.imm = v;
      return o;
    }
  }
  if (!j.is_string()) {
    const char* expected =
        spec.kind == OperandKind::kInOrImm ? "a view string or a number" : "a view string";
    throw w.field_error(
        spec.role, std::string("expected ") + expected + ", got " + type_name(j) + " " + echo(j));
  }
  try {
    o.view = parse_view(prog, j.get<std::string>());
  } catch (const Error& e) {
    throw w.field_error(spec.role, e.what());
  }
  o.kind = Operand::Kind::kView;
  return o;
}

AttrValue parse_attr(const Where& w, const AttrSpec& spec, const std::string& key, const json& j) {
  AttrValue a;
  if (j.is_null()) {
    if (!spec.optional) throw w.field_error(key, "required attribute is null");
    return a;
  }
  a.present = true;
  auto expected = [&](const char* what) {
    return w.field_error(
        key, std::string("expected ") + what + ", got " + type_name(j) + " " + echo(j));
  };
  switch (spec.type) {
    case AttrType::kInt:
      if (!is_int64(j)) throw expected("an integer");
      a.num = double(j.get<int64_t>());
      break;
    case AttrType::kFloat:
      if (!trace_internal::json_to_number(j, &a.num)) throw expected("a number");
      break;
    case AttrType::kBool:
      if (!j.is_boolean()) throw expected("true or false");
      a.num = j.get<bool>() ? 1 : 0;
      break;
    case AttrType::kAlu: {
      if (!j.is_string()) throw expected("an ALU operator name");
      AluOp op;
      if (!parse_alu(j.get<std::string>(), &op))
        throw w.field_error(key, "unknown ALU operator '" + bounded(j.get<std::string>(), 40) + "'");
      a.num = static_cast<int>(op);
      break;
    }
    case AttrType::kAct: {
      if (!j.is_string()) throw expected("an activation function name");
      ActFunc f;
      if (!parse_act(j.get<std::string>(), &f))
        throw w.field_error(key,
                            "unknown activation function '" + bounded(j.get<std::string>(), 40) + "'");
      a.num = static_cast<int>(f);
      break;
    }
    case AttrType::kInts:
      if (!j.is_array()) throw expected("an array of integers");
      for (const json& x : j) {
        if (!is_int64(x)) throw expected("an array of integers");
        a.ints.push_back(x.get<int64_t>());
      }
      break;
  }
  return a;
}

Instruction parse_instruction(const Program& prog, const json& j, size_t index) {
  const std::string where = "instruction " + std::to_string(index);
  if (!j.is_object()) throw Error(where + ": expected an object, got " + type_name(j));
  Where w(where);
  const std::string name = w.string_field(j, "op");
  Opcode op;
  if (!parse_opcode(name, &op)) {
    AluOp alu;
    const std::string hint = parse_alu(name, &alu)
                                 ? " ('" + name +
                                       "' is an ALU operator: write the opcode in "
                                       "'op' and the operator in 'alu_op', 'op0', ...)"
                                 : "";
    throw w.field_error("op", "unknown opcode '" + bounded(name, 40) + "'" + hint);
  }
  std::string label;
  if (auto it = j.find("label"); it != j.end()) {
    if (!it->is_string()) throw w.field_error("label", "expected a string");
    label = it->get<std::string>();
  }
  w = Where(where + " (" + name + ")" + (label.empty() ? "" : " '" + bounded(label) + "'"));
  const InstrInfo& in = info(op);
  std::set<std::string, std::less<>> allowed{"op", "engine", "label", "comment"};
  for (const OperandSpec& s : in.operands) allowed.insert(s.role);
  for (const AttrSpec& s : in.attrs) allowed.insert(s.name);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (allowed.count(it.key())) continue;
    std::string valid;
    for (const std::string& k : allowed) valid += (valid.empty() ? "" : ", ") + k;
    throw w.error("unknown field '" + bounded(it.key()) + "' (" + name + " has: " + valid + ")");
  }

  Instruction ins = make_instruction(op);
  ins.label = label;
  if (auto it = j.find("engine"); it != j.end()) {
    if (!it->is_string()) throw w.field_error("engine", "expected a string");
    if (!parse_engine(it->get<std::string>(), &ins.engine))
      throw w.field_error("engine", "unknown engine '" + bounded(it->get<std::string>(), 40) + "'");
    if (!(in.engines & engine_bit(ins.engine)))
      throw w.field_error("engine", std::string(name) + " cannot run on the " +
                                        std::string(engine_name(ins.engine)) + " engine");
  }
  for (size_t s = 0; s < in.operands.size(); ++s) {
    const OperandSpec& spec = in.operands[s];
    auto it = j.find(spec.role);
    if (it == j.end()) {
      if (!spec.optional) throw w.field_error(spec.role, "missing (required operand)");
      continue;  // keeps the default immediate of make_instruction
    }
    ins.operands[s] = parse_operand(prog, w, spec, *it);
  }
  for (size_t s = 0; s < in.attrs.size(); ++s) {
    const AttrSpec& spec = in.attrs[s];
    const std::string& key = spec.name;
    auto it = j.find(key);
    if (it == j.end()) {
      if (!spec.optional) throw w.field_error(key, "missing (required attribute)");
      continue;  // keeps the table default (or absent)
    }
    ins.attrs[s] = parse_attr(w, spec, key, *it);
  }
  return ins;
}

const json* optional_array(const json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end()) return nullptr;
  if (!it->is_array())
    throw Error("trace: field '" + std::string(key) + "': expected an array, got " +
                type_name(*it));
  return &*it;
}

}  // namespace

Program program_from_json(const json& j) {
  const Where top("trace");
  if (!j.is_object()) throw top.error("expected a JSON object, got " + type_name(j));
  top.check_keys(j, {"format", "version", "name", "dma_issue", "tensors", "tiles", "instructions",
                     "comment"});
  const std::string format = top.string_field(j, "format");
  if (format != trace_internal::kFormatName)
    throw top.field_error("format", "expected \"trnsim-trace\", got \"" + bounded(format, 40) + "\"");
  const int64_t version = top.int_value(top.required(j, "version"), "version");
  if (version != kTraceFormatVersion)
    throw top.field_error("version", "unsupported version " + std::to_string(version) +
                                         " (this build reads version " +
                                         std::to_string(kTraceFormatVersion) + ")");
  Program prog;
  if (j.contains("name")) prog.name = top.string_field(j, "name");
  if (j.contains("dma_issue")) {
    const std::string issue = top.string_field(j, "dma_issue");
    if (!parse_dma_issue(issue, &prog.dma_issue))
      throw top.field_error("dma_issue", "unknown DMA issue order '" + issue +
                                             "' (program_order, prefetch or asap)");
  }
  std::set<std::string, std::less<>> names;
  auto check_unique = [&](const std::string& kind, const std::string& name) {
    if (!names.insert(name).second)
      throw Error(kind + " '" + bounded(name) + "': duplicate buffer name");
  };
  if (const json* a = optional_array(j, "tensors")) {
    for (size_t i = 0; i < a->size(); ++i) {
      prog.tensors.push_back(parse_tensor((*a)[i], i));
      check_unique("tensor", prog.tensors.back().name);
    }
  }
  if (const json* a = optional_array(j, "tiles")) {
    for (size_t i = 0; i < a->size(); ++i) {
      prog.tiles.push_back(parse_tile((*a)[i], i));
      check_unique("tile", prog.tiles.back().name);
    }
  }
  const json& instructions = top.required(j, "instructions");
  if (!instructions.is_array())
    throw top.field_error("instructions", "expected an array, got " + type_name(instructions));
  prog.instructions.reserve(instructions.size());
  for (size_t i = 0; i < instructions.size(); ++i)
    prog.instructions.push_back(parse_instruction(prog, instructions[i], i));
  return prog;
}

Program read_trace_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": not a regular file (a directory or device cannot be a trace)");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open trace file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(path + ": cannot read the trace file's size");
  std::string text(size_t(size), '\0');
  in.seekg(0);
  if (!in.read(text.data(), std::streamsize(text.size())))
    throw Error(path + ": cannot read trace file");
  // JSON objects keep the last of repeated keys; a trace with a repeated key is an error.
  json j;
  try {
    j = parse_json_unique_keys(text, path);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw Error(path + ": not valid JSON: " + bounded(e.what()));
  }
  try {
    return program_from_json(j);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace trnsim::isa
