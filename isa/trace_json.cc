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

// Where an error is: "tensor 'x'", "instruction 3 (nc_matmul) 'label'", ... An instruction's
// location is built only when an error is thrown (the reader runs once per instruction).
class Where {
 public:
  explicit Where(std::string where) : where_(std::move(where)) {}
  // "instruction <index>", then " (<op>)" once the opcode is known and " '<label>'" if any.
  Where(size_t index, std::string_view op, std::string_view label)
      : index_(index), op_(op), label_(label), instruction_(true) {}
  std::string text() const {
    if (!instruction_) return where_;
    std::string t = "instruction " + std::to_string(index_);
    if (!op_.empty()) t += " (" + std::string(op_) + ")";
    if (!label_.empty()) t += " '" + bounded(std::string(label_)) + "'";
    return t;
  }
  Error error(const std::string& what) const { return Error(text() + ": " + what); }
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
  const std::string& string_field(const json& obj, std::string_view key) const {
    const json& j = required(obj, key);
    if (!j.is_string()) throw field_error(key, "expected a string, got " + type_name(j));
    return j.get_ref<const std::string&>();
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
  size_t index_ = 0;
  std::string_view op_, label_;
  bool instruction_ = false;
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

using trace_internal::BufferIndex;
using trace_internal::index_buffers;

Operand parse_operand(const Program& prog, const BufferIndex& buffers, const Where& w,
                      const OperandSpec& spec, const json& j) {
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
    o.view = trace_internal::parse_view(prog, buffers, j.get_ref<const std::string&>());
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

// "op, engine, label, comment, <operands>, <attributes>" sorted, for the unknown-field message.
std::string instruction_keys(const InstrInfo& in) {
  std::set<std::string, std::less<>> allowed{"op", "engine", "label", "comment"};
  for (const OperandSpec& s : in.operands) allowed.insert(s.role);
  for (const AttrSpec& s : in.attrs) allowed.insert(s.name);
  std::string valid;
  for (const std::string& k : allowed) valid += (valid.empty() ? "" : ", ") + k;
  return valid;
}

Instruction parse_instruction(const Program& prog, const BufferIndex& buffers, const json& j,
                              size_t index) {
  Where w(index, {}, {});
  if (!j.is_object()) throw w.error("expected an object, got " + type_name(j));
  const std::string& name = w.string_field(j, "op");
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
  std::string_view label;
  if (auto it = j.find("label"); it != j.end()) {
    if (!it->is_string()) throw w.field_error("label", "expected a string");
    label = it->get_ref<const std::string&>();
  }
  w = Where(index, name, label);
  const InstrInfo& in = info(op);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (trace_internal::is_reserved_instruction_key(key) || in.operand_index(key) >= 0 ||
        in.attr_index(key) >= 0)
      continue;
    throw w.error("unknown field '" + bounded(key) + "' (" + name + " has: " +
                  instruction_keys(in) + ")");
  }

  Instruction ins = make_instruction(op);
  ins.label = label;
  if (auto it = j.find("engine"); it != j.end()) {
    if (!it->is_string()) throw w.field_error("engine", "expected a string");
    if (!parse_engine(it->get_ref<const std::string&>(), &ins.engine))
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
    ins.operands[s] = parse_operand(prog, buffers, w, spec, *it);
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

// The top-level checks, in the order the reader reports them: the object and its keys, format,
// version, then name and dma_issue into *prog.
void read_header(const json& j, Program* prog) {
  const Where top("trace");
  if (!j.is_object()) throw top.error("expected a JSON object, got " + type_name(j));
  top.check_keys(j, {"format", "version", "name", "dma_issue", "tensors", "tiles", "instructions",
                     "comment"});
  const std::string& format = top.string_field(j, "format");
  if (format != trace_internal::kFormatName)
    throw top.field_error("format", "expected \"trnsim-trace\", got \"" + bounded(format, 40) + "\"");
  const int64_t version = top.int_value(top.required(j, "version"), "version");
  if (version != kTraceFormatVersion)
    throw top.field_error("version", "unsupported version " + std::to_string(version) +
                                         " (this build reads version " +
                                         std::to_string(kTraceFormatVersion) + ")");
  if (j.contains("name")) prog->name = top.string_field(j, "name");
  if (j.contains("dma_issue")) {
    const std::string& issue = top.string_field(j, "dma_issue");
    if (!parse_dma_issue(issue, &prog->dma_issue))
      throw top.field_error("dma_issue", "unknown DMA issue order '" + issue +
                                             "' (program_order, prefetch or asap)");
  }
}

// Tensors, then tiles, with unique names.
void read_declarations(const json& j, Program* prog) {
  std::set<std::string, std::less<>> names;
  auto check_unique = [&](const std::string& kind, const std::string& name) {
    if (!names.insert(name).second)
      throw Error(kind + " '" + bounded(name) + "': duplicate buffer name");
  };
  if (const json* a = optional_array(j, "tensors")) {
    for (size_t i = 0; i < a->size(); ++i) {
      prog->tensors.push_back(parse_tensor((*a)[i], i));
      check_unique("tensor", prog->tensors.back().name);
    }
  }
  if (const json* a = optional_array(j, "tiles")) {
    for (size_t i = 0; i < a->size(); ++i) {
      prog->tiles.push_back(parse_tile((*a)[i], i));
      check_unique("tile", prog->tiles.back().name);
    }
  }
}

const json& instruction_array(const json& j) {
  const Where top("trace");
  const json& instructions = top.required(j, "instructions");
  if (!instructions.is_array())
    throw top.field_error("instructions", "expected an array, got " + type_name(instructions));
  return instructions;
}

// Converts the instructions of a trace as the parser completes them, so that the document of a
// large trace never exists whole. It needs the declarations first: it streams only when
// "tensors" and "tiles" come before "instructions" (as every writer of the format puts them);
// otherwise the instructions stay in the document. Errors are kept, not thrown, and reported
// after the parse in program_from_json's order: syntax and repeated keys (thrown by the parser),
// then the header, declarations, and the first bad instruction.
class InstructionStreamer : public ArrayElementSink {
 public:
  bool begin(const json& document_so_far) override {
    if (!document_so_far.contains("tensors") || !document_so_far.contains("tiles")) return false;
    streaming_ = true;
    try {
      read_declarations(document_so_far, &prog_);
      buffers_ = index_buffers(prog_);
    } catch (...) {
      error_ = std::current_exception();
    }
    return true;
  }
  void element(json&& value) noexcept override {
    const size_t index = count_++;
    if (error_) return;
    try {
      prog_.instructions.push_back(parse_instruction(prog_, buffers_, value, index));
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  // The program of `document` (what the parser returned).
  Program finish(const json& document) {
    if (!streaming_) return program_from_json(document);
    read_header(document, &prog_);
    if (error_) std::rethrow_exception(error_);
    instruction_array(document);
    // No shrink_to_fit: the capacity past the last instruction is never touched, so it costs
    // address space, not memory; a shrinking copy would touch the whole array once more.
    return std::move(prog_);
  }

 private:
  bool streaming_ = false;
  Program prog_;
  BufferIndex buffers_;
  size_t count_ = 0;
  std::exception_ptr error_;  // the first error of the declarations or instructions
};

}  // namespace

Program program_from_json(const json& j) {
  Program prog;
  read_header(j, &prog);
  read_declarations(j, &prog);
  const json& instructions = instruction_array(j);
  const BufferIndex buffers = index_buffers(prog);
  prog.instructions.reserve(instructions.size());
  for (size_t i = 0; i < instructions.size(); ++i)
    prog.instructions.push_back(parse_instruction(prog, buffers, instructions[i], i));
  return prog;
}

std::string read_trace_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": not a regular file (a directory or device cannot be a trace)");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open trace file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(path + ": cannot read the trace file's size");
  std::string bytes(size_t(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), std::streamsize(bytes.size())))
    throw Error(path + ": cannot read trace file");
  return bytes;
}

Program read_trace_file(const std::string& path) {
  return program_from_json_text(read_trace_bytes(path), path);
}

Program program_from_json_text(std::string text, const std::string& path) {
  // JSON objects keep the last of repeated keys; a trace with a repeated key is an error.
  InstructionStreamer streamer;
  json j;
  try {
    j = parse_json_unique_keys(text, path, "instructions", &streamer);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw Error(path + ": not valid JSON: " + bounded(e.what()));
  }
  text = std::string();  // the program is built; the text is no longer needed
  try {
    return streamer.finish(j);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace trnsim::isa
