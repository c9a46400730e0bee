// The binary trace reader (format: isa/TRACE_BINARY.md). As strict as the JSON reader: names
// are resolved against this build's tables, buffers are checked like the JSON reader checks
// them, and every count read from the file is bounded by the bytes left before anything is
// allocated for it. Shape contracts and bounds stay the validator's job (isa/validate.h).
#include <set>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/name_index.h"
#include "isa/trace_binary.h"
#include "isa/trace_binary_decoder.h"
#include "isa/trace_binary_internal.h"

namespace trnsim::isa {
namespace {

using namespace binary_internal;

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not well formed.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = [&](size_t k) { return uint8_t(s[k]); };
  const uint8_t b = c(i);
  if (b < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((b & 0xE0) == 0xC0) {
    n = 2, cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3, cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4, cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((c(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c(i + k) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Enum names of the file's string table resolved once per string id.
template <typename T>
class NameCache {
 public:
  explicit NameCache(size_t strings) : state_(strings, kUnknown), value_(strings) {}
  template <typename Parse>
  bool get(size_t id, std::string_view text, Parse parse, T* out) {
    if (state_[id] == kUnknown) state_[id] = parse(text, &value_[id]) ? kValid : kInvalid;
    *out = value_[id];
    return state_[id] == kValid;
  }

 private:
  enum : uint8_t { kUnknown, kValid, kInvalid };
  std::vector<uint8_t> state_;
  std::vector<T> value_;
};

// Which slot of the instruction a field of an opcode table entry fills.
struct FieldSlot {
  bool operand;  // else an attribute
  size_t slot;
};

// One entry of the file's opcode table: this build's opcode, the slots its fields fill, and an
// instruction with every slot at its table default (make_instruction), copied for each
// instruction of the entry.
struct FileOpcode {
  Opcode op;
  std::vector<FieldSlot> fields;
  Instruction prototype;
};

class ProgramReader {
 public:
  ProgramReader(std::string_view bytes, const std::string& source) : d_(bytes, source) {}

  Program read() {
    read_header();
    read_strings();
    d_.set_where("program");
    prog_.name = str("name");
    const std::string_view issue = str_view("dma_issue");
    if (!parse_dma_issue(issue, &prog_.dma_issue))
      throw d_.error("dma_issue", "unknown DMA issue order '" + bounded(issue, 40) + "'");
    read_tensors();
    read_tiles();
    read_opcodes();
    read_instructions();
    d_.set_where("end");
    if (d_.left() != 0)
      throw d_.error_at(d_.pos(), "end", std::to_string(d_.left()) +
                                            " bytes after the last instruction");
    return std::move(prog_);
  }

 private:
  void read_header() {
    d_.set_where("header");
    if (d_.bytes(std::min(d_.left(), kBinaryTraceMagic.size()), "magic") != kBinaryTraceMagic)
      throw d_.error_at(0, "magic", "not a binary trnsim trace");
    const uint32_t version = d_.u32("version");
    if (version != uint32_t(kBinaryTraceVersion))
      throw d_.error("version", "unsupported version " + std::to_string(version) +
                                    " (this build reads version " +
                                    std::to_string(kBinaryTraceVersion) + ")");
    if (const uint32_t flags = d_.u32("flags"); flags != 0)
      throw d_.error("flags", "unknown flags " + std::to_string(flags) + " (must be 0)");
  }

  void read_strings() {
    d_.set_where("string table");
    const size_t n = d_.count("count");
    strings_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const size_t len = d_.count("string length");
      const size_t at = d_.pos();
      const std::string_view s = d_.bytes(len, "string");
      for (size_t k = 0; k < s.size();) {
        const size_t step = utf8_sequence(s, k);
        if (step == 0)
          throw d_.error_at(at + k, "string", "string " + std::to_string(i) + ": invalid UTF-8");
        k += step;
      }
      strings_.push_back(s);
    }
    if (n == 0 || !strings_[0].empty())
      throw d_.error_at(d_.pos(), "string 0", "the first string must be empty");
    dtypes_.emplace(n);
    engines_.emplace(n);
    alus_.emplace(n);
    acts_.emplace(n);
    labels_.assign(n, std::nullopt);
  }

  std::string_view str_view(std::string_view field) {
    const uint64_t id = d_.uvar(field);
    if (id >= strings_.size())
      throw d_.error(field, "string id " + std::to_string(id) + " past the string table (" +
                                std::to_string(strings_.size()) + " strings)");
    last_id_ = size_t(id);
    return strings_[last_id_];
  }
  std::string str(std::string_view field) { return std::string(str_view(field)); }
  // A label string: interned once per string id.
  Label label(std::string_view field) {
    const std::string_view s = str_view(field);
    std::optional<Label>& l = labels_[last_id_];
    if (!l) l = Label(s);
    return *l;
  }

  std::vector<int64_t> shape(std::string_view field) {
    const size_t rank = d_.count(field);
    if (rank == 0) throw d_.error(field, "empty shape (a buffer has at least one dim)");
    std::vector<int64_t> dims(rank);
    for (int64_t& n : dims) {
      n = d_.svar(field);
      if (n <= 0) throw d_.error(field, "dimension " + std::to_string(n) + " is not positive");
    }
    return dims;
  }

  DType dtype(std::string_view field) {
    const std::string_view name = str_view(field);
    DType t;
    if (!dtypes_->get(last_id_, name, parse_dtype, &t))
      throw d_.error(field, "unknown dtype '" + bounded(name, 40) + "'");
    return t;
  }

  // Buffer names follow the JSON reader's rules, unique over tensors and tiles.
  std::string buffer_name(const char* kind, size_t index) {
    d_.set_buffer(kind, index, {});
    const std::string_view name = str_view("name");
    if (name.empty()) throw d_.error("name", "empty");
    if (name.find_first_of("[]:, \t\n") != std::string::npos)
      throw d_.error("name", "'" + bounded(name) + "' contains one of '[', ']', ':', ',' or space");
    if (name == "inf" || name == "-inf" || name == "nan")
      throw d_.error("name", "'" + std::string(name) + "' is reserved for numbers");
    if (!buffer_by_name_.insert(name))
      throw d_.error("name", "'" + bounded(name) + "': duplicate buffer name");
    d_.set_buffer(kind, index, name);
    return std::string(name);
  }

  void read_tensors() {
    d_.set_where("tensors");
    const size_t n = d_.count("count", 4);
    prog_.tensors.reserve(n);
    buffer_by_name_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      HbmTensor t;
      t.name = buffer_name("tensor", i);
      t.shape = shape("shape");
      t.dtype = dtype("dtype");
      const std::string_view role = str_view("role");
      if (!parse_role(role, &t.role))
        throw d_.error("role", "unknown role '" + bounded(role, 40) +
                                   "' (input, output, constant, scratch or spill)");
      prog_.tensors.push_back(std::move(t));
    }
  }

  void read_tiles() {
    d_.set_where("tiles");
    const size_t n = d_.count("count", 6);
    prog_.tiles.reserve(n);
    buffer_by_name_.reserve(buffer_by_name_.size() + n);
    for (size_t i = 0; i < n; ++i) {
      Tile t;
      t.name = buffer_name("tile", i);
      const std::string_view memory = str_view("memory");
      if (memory == "sbuf") {
        t.memory = Memory::kSbuf;
      } else if (memory == "psum") {
        t.memory = Memory::kPsum;
      } else {
        throw d_.error("memory", "unknown on-chip memory '" + bounded(memory, 40) +
                                     "' (sbuf or psum)");
      }
      t.partitions = d_.svar("partitions");
      if (t.partitions <= 0)
        throw d_.error("partitions", std::to_string(t.partitions) + " is not positive");
      t.free_shape = shape("shape");
      t.dtype = dtype("dtype");
      const uint8_t has_address = d_.u8("address");
      if (has_address > 1)
        throw d_.error("address", "flag " + std::to_string(has_address) + " is not 0 or 1");
      if (has_address) {
        t.fixed_address = d_.svar("address");
        if (*t.fixed_address < 0)
          throw d_.error("address", std::to_string(*t.fixed_address) + " is negative");
      }
      prog_.tiles.push_back(std::move(t));
    }
    if (prog_.tensors.size() + prog_.tiles.size() > size_t(INT32_MAX))
      throw d_.error("count", "more than 2^31 - 1 tensors and tiles");
    for (size_t i = 0; i < prog_.tensors.size(); ++i)
      buffers_.push_back({BufferRef{Memory::kHbm, int32_t(i)}, prog_.tensors[i].shape.size(), {}});
    for (size_t i = 0; i < prog_.tiles.size(); ++i)
      buffers_.push_back({BufferRef{prog_.tiles[i].memory, int32_t(i)},
                          prog_.tiles[i].free_shape.size() + 1, {}});
    for (FileBuffer& b : buffers_) b.whole = prog_.whole(b.ref);
  }

  // Each entry names an opcode and the fields its instructions carry (the keys of a JSON
  // instruction object other than op, engine and label), checked as the JSON reader checks keys.
  void read_opcodes() {
    d_.set_where("opcode table");
    const size_t n = d_.count("count", 2);
    opcodes_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      d_.set_where("opcode table entry " + std::to_string(i));
      const std::string_view name = str_view("opcode");
      Opcode op;
      if (!parse_opcode(name, &op))
        throw d_.error("opcode", "unknown opcode '" + bounded(name, 40) + "'");
      const InstrInfo& in = info(op);
      d_.set_where("opcode table entry " + std::to_string(i) + " (" + std::string(in.name) + ")");
      FileOpcode fo{op, {}, make_instruction(op)};
      std::vector<bool> operand_seen(in.operands.size()), attr_seen(in.attrs.size());
      const size_t fields = d_.count("fields");
      for (size_t f = 0; f < fields; ++f) {
        const std::string_view key = str_view("fields");
        const int o = in.operand_index(key), a = o >= 0 ? -1 : in.attr_index(key);
        if (o < 0 && a < 0) throw d_.error("fields", unknown_field(in, key));
        std::vector<bool>& seen = o >= 0 ? operand_seen : attr_seen;
        const size_t slot = size_t(o >= 0 ? o : a);
        if (seen[slot]) throw d_.error("fields", "field '" + std::string(key) + "' listed twice");
        seen[slot] = true;
        fo.fields.push_back({o >= 0, slot});
      }
      for (size_t s = 0; s < in.operands.size(); ++s)
        if (!operand_seen[s] && !in.operands[s].optional)
          throw d_.error(in.operands[s].role, "missing (required operand)");
      for (size_t s = 0; s < in.attrs.size(); ++s)
        if (!attr_seen[s] && !in.attrs[s].optional)
          throw d_.error(in.attrs[s].name, "missing (required attribute)");
      opcodes_.push_back(std::move(fo));
    }
  }
  static std::string unknown_field(const InstrInfo& in, std::string_view key) {
    std::set<std::string> valid;
    for (const OperandSpec& s : in.operands) valid.insert(s.role);
    for (const AttrSpec& s : in.attrs) valid.insert(s.name);
    std::string list;
    for (const std::string& k : valid) list += (list.empty() ? "" : ", ") + k;
    return "unknown field '" + bounded(key, 40) + "' (" + std::string(in.name) + " has: " + list +
           ")";
  }

  void read_instructions() {
    d_.set_where("instructions");
    const size_t n = d_.count("count", 3);
    prog_.instructions.reserve(n);
    for (size_t i = 0; i < n; ++i) prog_.instructions.push_back(read_instruction(i));
    d_.set_where("instructions");  // the last instruction read is no longer where errors point
  }

  Instruction read_instruction(size_t index) {
    d_.set_instruction_index(index);
    const uint64_t local = d_.uvar("op");
    if (local >= opcodes_.size())
      throw d_.error("op", "opcode " + std::to_string(local) + " past the opcode table (" +
                               std::to_string(opcodes_.size()) + " entries)");
    const FileOpcode& fo = opcodes_[size_t(local)];
    const InstrInfo& in = info(fo.op);
    Instruction ins = fo.prototype;
    d_.set_instruction(index, &ins);
    const size_t engine_at = d_.pos();
    const std::string_view engine = str_view("engine");
    const size_t engine_id = last_id_;
    ins.label = label("label");
    if (engine_id != 0) {  // string 0, "": the opcode's default engine
      if (!engines_->get(engine_id, engine, parse_engine, &ins.engine))
        throw d_.error_at(engine_at, "engine", "unknown engine '" + bounded(engine, 40) + "'");
      if (!(in.engines & engine_bit(ins.engine)))
        throw d_.error_at(engine_at, "engine", std::string(in.name) + " cannot run on the " +
                                                   std::string(engine_name(ins.engine)) +
                                                   " engine");
    }
    for (const FieldSlot& f : fo.fields) {
      if (f.operand)
        read_operand(in.operands[f.slot], &ins.operands[f.slot]);
      else
        read_attr(in.attrs[f.slot], &ins.attrs[f.slot]);
    }
    return ins;
  }

  // "expected an integer, got a view" for a value of tag `tag`.
  static std::string expected(const char* what, uint8_t tag) {
    static const char* const kKinds[kNumTags] = {
        "null", "a view", "a number", "an integer",        "false",
        "true", "a name", "a list of integers", "a whole-buffer view"};
    return std::string("expected ") + what + ", got " +
           (tag < kNumTags ? kKinds[tag] : "unknown tag " + std::to_string(tag));
  }

  void read_operand(const OperandSpec& spec, Operand* o) {
    const std::string_view role = spec.role;
    const uint8_t tag = d_.u8(role);
    *o = Operand{};
    const bool imm_ok = spec.kind == OperandKind::kInOrImm;
    if (tag == kNull) {
      if (!spec.optional) throw d_.error(role, "required operand is null");
    } else if (tag == kView) {
      read_view(role, &o->view);
      o->kind = Operand::Kind::kView;
    } else if (tag == kWholeBuffer) {
      o->view = buffers_[buffer_number(role)].whole;
      o->kind = Operand::Kind::kView;
    } else if (tag == kName) {  // a buffer name: the whole buffer
      const std::string_view name = str_view(role);
      const int64_t b = buffer_by_name_.find(name);
      if (b < 0) throw d_.error(role, "unknown buffer '" + bounded(name, 80) + "'");
      o->view = buffers_[size_t(b)].whole;
      o->kind = Operand::Kind::kView;
    } else if (imm_ok && tag == kNumber) {
      o->kind = Operand::Kind::kImm;
      o->imm = d_.f64(role);
    } else if (imm_ok && tag == kInteger) {
      o->kind = Operand::Kind::kImm;
      o->imm = double(d_.svar(role));
    } else {
      throw d_.error(role, expected(imm_ok ? "a view or a number" : "a view", tag));
    }
  }

  size_t buffer_number(std::string_view role) {
    const uint64_t b = d_.uvar(role);
    if (b >= buffers_.size())
      throw d_.error(role, "buffer " + std::to_string(b) + " past the " +
                               std::to_string(buffers_.size()) + " tensors and tiles");
    return size_t(b);
  }

  void read_view(std::string_view role, View* v) {
    const size_t b = buffer_number(role);
    v->buf = buffers_[size_t(b)].ref;
    v->dims.resize(buffers_[size_t(b)].rank);
    for (Slice& sl : v->dims) {
      sl.start = d_.svar(role);
      if (sl.start < 0)
        throw d_.error(role, "slice start " + std::to_string(sl.start) + " is negative");
      sl.stop = d_.svar(role);
      if (sl.stop < 0)
        throw d_.error(role, "slice stop " + std::to_string(sl.stop) + " is negative");
      sl.step = d_.svar(role);
      if (sl.step < 0)
        throw d_.error(role, "step " + std::to_string(sl.step) +
                                 " must be positive (or 0, a broadcast)");
    }
  }

  void read_attr(const AttrSpec& spec, AttrValue* a) {
    const std::string_view key = spec.name;
    const uint8_t tag = d_.u8(key);
    *a = AttrValue{};
    if (tag == kNull) {
      if (!spec.optional) throw d_.error(key, "required attribute is null");
      return;
    }
    a->present = true;
    switch (spec.type) {
      case AttrType::kInt:
        if (tag != kInteger) throw d_.error(key, expected("an integer", tag));
        a->num = double(d_.svar(key));
        break;
      case AttrType::kFloat:
        if (tag == kNumber)
          a->num = d_.f64(key);
        else if (tag == kInteger)
          a->num = double(d_.svar(key));
        else
          throw d_.error(key, expected("a number", tag));
        break;
      case AttrType::kBool:
        if (tag != kFalse && tag != kTrue) throw d_.error(key, expected("true or false", tag));
        a->num = tag == kTrue ? 1 : 0;
        break;
      case AttrType::kAlu: {
        if (tag != kName) throw d_.error(key, expected("an ALU operator name", tag));
        const std::string_view name = str_view(key);
        AluOp op;
        if (!alus_->get(last_id_, name, parse_alu, &op))
          throw d_.error(key, "unknown ALU operator '" + bounded(name, 40) + "'");
        a->num = static_cast<int>(op);
        break;
      }
      case AttrType::kAct: {
        if (tag != kName) throw d_.error(key, expected("an activation function name", tag));
        const std::string_view name = str_view(key);
        ActFunc f;
        if (!acts_->get(last_id_, name, parse_act, &f))
          throw d_.error(key, "unknown activation function '" + bounded(name, 40) + "'");
        a->num = static_cast<int>(f);
        break;
      }
      case AttrType::kInts: {
        if (tag != kIntList) throw d_.error(key, expected("an array of integers", tag));
        const size_t n = d_.count(key);
        a->ints.resize(n);
        for (int64_t& x : a->ints) x = d_.svar(key);
        break;
      }
    }
  }

  struct FileBuffer {
    BufferRef ref;
    size_t rank;
    View whole;  // the view of the whole buffer
  };

  Decoder d_;
  Program prog_;
  std::vector<std::string_view> strings_;
  size_t last_id_ = 0;  // id of the string str_view() read last
  std::optional<NameCache<DType>> dtypes_;
  std::optional<NameCache<Engine>> engines_;
  std::optional<NameCache<AluOp>> alus_;
  std::optional<NameCache<ActFunc>> acts_;
  std::vector<std::optional<Label>> labels_;  // by string id, once read as a label
  std::vector<FileBuffer> buffers_;  // tensors, then tiles
  // Buffer names (views into the string table) -> positions in buffers_, filled as the names
  // are read (tensors first, so the numbering is that of buffers_).
  NameIndex buffer_by_name_;
  std::vector<FileOpcode> opcodes_;
};

}  // namespace

bool is_binary_trace(std::string_view bytes) {
  return bytes.substr(0, kBinaryTraceMagic.size()) == kBinaryTraceMagic;
}

Program program_from_binary(std::string_view bytes, const std::string& source) {
  return ProgramReader(bytes, source).read();
}

}  // namespace trnsim::isa
