#include "isa/opcodes.h"

#include <array>
#include <cstdlib>
#include <sstream>

#include "isa/error.h"

namespace trnsim::isa {
namespace {

struct RawInstr {
  Opcode op;
  const char* name;
  uint8_t engines;
  uint8_t default_engine_bit;
  CostClass cost;
  const char* operands;
  const char* attrs;
  const char* summary;
};

constexpr RawInstr kRaw[] = {
#define TRNSIM_INSTRUCTION(name, engines, def_engine, cost, operands, attrs, summary) \
  {Opcode::name, #name, uint8_t(engines), def_engine, CostClass::cost, operands, attrs, summary},
#include "isa/instructions.def"
#undef TRNSIM_INSTRUCTION
};
static_assert(sizeof(kRaw) / sizeof(kRaw[0]) == kNumOpcodes);

Engine engine_from_bit(uint8_t bit) {
  for (int e = 0; e < kNumEngines; ++e)
    if (bit == engine_bit(Engine(e))) return Engine(e);
  throw Error("instruction table: default engine is not a single engine");
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Splits "name:kind[?|=default]" into its parts.
void split_spec(const std::string& word, std::string* name, std::string* kind, bool* optional,
                std::optional<std::string>* default_text, std::string_view instr) {
  auto colon = word.find(':');
  if (colon == std::string::npos)
    throw Error("instruction table: " + std::string(instr) + ": spec '" + word + "' lacks ':'");
  *name = word.substr(0, colon);
  std::string rest = word.substr(colon + 1);
  *optional = false;
  if (!rest.empty() && rest.back() == '?') {
    *optional = true;
    rest.pop_back();
  }
  auto eq = rest.find('=');
  if (eq != std::string::npos) {
    *optional = true;
    *default_text = rest.substr(eq + 1);
    rest = rest.substr(0, eq);
  }
  *kind = rest;
}

OperandSpec parse_operand_spec(const std::string& word, std::string_view instr) {
  OperandSpec s;
  std::string kind;
  std::optional<std::string> def;
  split_spec(word, &s.role, &kind, &s.optional, &def, instr);
  if (kind == "out") {
    s.kind = OperandKind::kOut;
  } else if (kind == "in") {
    s.kind = OperandKind::kIn;
  } else if (kind == "inimm") {
    s.kind = OperandKind::kInOrImm;
  } else {
    throw Error("instruction table: " + std::string(instr) + ": operand kind '" + kind + "'");
  }
  if (def) s.default_imm = std::strtod(def->c_str(), nullptr);
  return s;
}

AttrSpec parse_attr_spec(const std::string& word, std::string_view instr) {
  AttrSpec s;
  std::string type;
  split_spec(word, &s.name, &type, &s.optional, &s.default_text, instr);
  static const std::pair<const char*, AttrType> kTypes[] = {
      {"int", AttrType::kInt}, {"float", AttrType::kFloat}, {"bool", AttrType::kBool},
      {"alu", AttrType::kAlu}, {"act", AttrType::kAct},     {"ints", AttrType::kInts}};
  for (const auto& [n, t] : kTypes) {
    if (type == n) {
      s.type = t;
      return s;
    }
  }
  throw Error("instruction table: " + std::string(instr) + ": attribute type '" + type + "'");
}

// Operand roles and attribute names are the keys of a trace's instruction object, so none may
// be a key the trace reserves, and no two may be equal.
void check_names_are_trace_keys(const InstrInfo& info) {
  std::vector<std::string> names{"op", "engine", "label", "comment"};
  for (const OperandSpec& o : info.operands) names.push_back(o.role);
  for (const AttrSpec& a : info.attrs) names.push_back(a.name);
  for (size_t i = 4; i < names.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (names[i] == names[j])
        throw Error("instruction table: " + std::string(info.name) + ": '" + names[i] +
                    "' is used twice or is a reserved trace key");
}

std::array<InstrInfo, kNumOpcodes> build_table() {
  std::array<InstrInfo, kNumOpcodes> table;
  for (int i = 0; i < kNumOpcodes; ++i) {
    const RawInstr& r = kRaw[i];
    InstrInfo& info = table[i];
    info.op = r.op;
    info.name = r.name;
    info.engines = r.engines;
    info.default_engine = engine_from_bit(r.default_engine_bit);
    info.cost_class = r.cost;
    info.operands_text = r.operands;
    info.attrs_text = r.attrs;
    info.summary = r.summary;
    for (const auto& w : split_words(r.operands))
      info.operands.push_back(parse_operand_spec(w, r.name));
    for (const auto& w : split_words(r.attrs)) info.attrs.push_back(parse_attr_spec(w, r.name));
    check_names_are_trace_keys(info);
  }
  return table;
}

const std::array<InstrInfo, kNumOpcodes>& table() {
  static const std::array<InstrInfo, kNumOpcodes> t = build_table();
  return t;
}

struct NamedAlu {
  AluOp op;
  const char* name;
  AluKind kind;
};
constexpr NamedAlu kAlu[] = {
#define TRNSIM_ALU_OP(e, name, kind) {AluOp::e, name, AluKind::kind},
#include "isa/alu_ops.def"
#undef TRNSIM_ALU_OP
};

struct NamedAct {
  ActFunc f;
  const char* name;
  const char* summary;
};
constexpr NamedAct kAct[] = {
#define TRNSIM_ACT_FUNC(e, name, summary) {ActFunc::e, name, summary},
#include "isa/activation_functions.def"
#undef TRNSIM_ACT_FUNC
};

constexpr const char* kEngineNames[kNumEngines] = {"tensor", "vector", "scalar", "gpsimd", "dma"};

}  // namespace

int InstrInfo::operand_index(std::string_view role) const {
  for (size_t i = 0; i < operands.size(); ++i)
    if (operands[i].role == role) return int(i);
  return -1;
}

int InstrInfo::attr_index(std::string_view attr_name) const {
  for (size_t i = 0; i < attrs.size(); ++i)
    if (attrs[i].name == attr_name) return int(i);
  return -1;
}

const InstrInfo& info(Opcode op) { return table()[static_cast<int>(op)]; }
std::string_view opcode_name(Opcode op) { return kRaw[static_cast<int>(op)].name; }

bool parse_opcode(std::string_view name, Opcode* out) {
  for (const RawInstr& r : kRaw) {
    if (name == r.name) {
      *out = r.op;
      return true;
    }
  }
  return false;
}

std::string_view engine_name(Engine e) { return kEngineNames[static_cast<int>(e)]; }

bool parse_engine(std::string_view name, Engine* out) {
  for (int e = 0; e < kNumEngines; ++e) {
    if (name == kEngineNames[e]) {
      *out = Engine(e);
      return true;
    }
  }
  if (name == "act" || name == "activation") {
    *out = Engine::kScalar;
    return true;
  }
  if (name == "pool") {
    *out = Engine::kGpsimd;
    return true;
  }
  return false;
}

std::string_view alu_name(AluOp op) { return kAlu[static_cast<int>(op)].name; }
AluKind alu_kind(AluOp op) { return kAlu[static_cast<int>(op)].kind; }
bool parse_alu(std::string_view name, AluOp* out) {
  for (const NamedAlu& a : kAlu) {
    if (name == a.name) {
      *out = a.op;
      return true;
    }
  }
  return false;
}

std::string_view act_name(ActFunc f) { return kAct[static_cast<int>(f)].name; }
std::string_view act_summary(ActFunc f) { return kAct[static_cast<int>(f)].summary; }
int num_act_funcs() { return int(sizeof(kAct) / sizeof(kAct[0])); }
bool parse_act(std::string_view name, ActFunc* out) {
  for (const NamedAct& a : kAct) {
    if (name == a.name) {
      *out = a.f;
      return true;
    }
  }
  return false;
}

}  // namespace trnsim::isa
