#include "sim/inputs.h"

#include <algorithm>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/npy.h"
#include "sim/random_values.h"

namespace trnsim::sim {
namespace {

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

void fill_random(isa::MachineState& st, int tensor, uint64_t seed) {
  const isa::HbmTensor& t = st.program().tensors[tensor];
  // Each tensor gets its own stream so adding a tensor does not change the others' data.
  RandomStream rng(seed, uint64_t(tensor));
  const bool is_signed = t.dtype == isa::DType::kInt8 || t.dtype == isa::DType::kInt16 ||
                         t.dtype == isa::DType::kInt32;
  const int64_t lo = is_signed ? -8 : 0, hi = is_signed ? 8 : 16;
  std::vector<uint8_t>& image = st.hbm(tensor);
  const int64_t esize = isa::dtype_bytes(t.dtype), elements = t.elements();
  const bool is_float = isa::dtype_is_float(t.dtype);
  // Values in blocks, then one bulk conversion per block.
  constexpr int64_t kBlock = 4096;
  std::vector<float> block(size_t(std::min(elements, kBlock)));
  for (int64_t start = 0; start < elements; start += kBlock) {
    const int64_t n = std::min(kBlock, elements - start);
    if (is_float)
      rng.normals(uint64_t(start), n, block.data());
    else
      rng.uniform_ints(uint64_t(start), n, lo, hi, block.data());
    isa::encode_values(t.dtype, block.data(), n, image.data() + start * esize);
  }
}

// A --input file spec: "FILE.npy" or "FILE.npy:DTYPE" (the dtype the file's values are in).
struct InputSpec {
  std::string path;
  bool has_dtype = false;
  isa::DType dtype{};
};

InputSpec parse_input_spec(const std::string& spec) {
  InputSpec out{spec};
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos) return out;
  const std::string suffix = spec.substr(colon + 1);
  if (suffix.size() >= 4 && suffix.compare(suffix.size() - 4, 4, ".npy") == 0) return out;
  if (!isa::parse_dtype(suffix, &out.dtype))
    throw Error("--input " + spec + ": unknown dtype '" + suffix + "'");
  out.path = spec.substr(0, colon);
  out.has_dtype = true;
  return out;
}

// The storage bytes of tensor `t` from the file of `spec`. With a declared dtype it must be
// the tensor's, and an unsigned-integer file of the dtype's width (what ml_dtypes' bf16/fp8
// arrays are bit for bit) is taken as raw storage bits.
std::vector<uint8_t> tensor_bytes_from_file(const isa::HbmTensor& t, const InputSpec& spec,
                                            const std::string& item) {
  isa::NpyArray a = isa::read_npy(spec.path);
  if (a.shape != t.shape)
    throw Error("--input " + item + ": shape " + isa::bounded(shape_text(a.shape)) +
                " does not match tensor shape " + shape_text(t.shape));
  const auto convert = [&] {  // its errors ("element 3 = 2.5 ...") get the --input location
    try {
      return isa::npy_to_storage(a, t.dtype);
    } catch (const Error& e) {
      throw Error("--input " + isa::bounded(item) + ": " + e.what());
    }
  };
  if (!spec.has_dtype) return convert();
  if (spec.dtype != t.dtype)
    throw Error("--input " + item + ": declared dtype " + std::string(isa::dtype_name(spec.dtype)) +
                " but tensor '" + t.name + "' is " + std::string(isa::dtype_name(t.dtype)));
  const int width = isa::dtype_bytes(t.dtype);
  const std::string raw_descr = width == 1 ? "|u1" : width == 2 ? "<u2" : "<u4";
  if (isa::dtype_is_float(t.dtype) && a.descr == raw_descr) return std::move(a.data);
  return convert();
}

}  // namespace

void load_inputs(isa::MachineState& st, const std::map<std::string, std::string>& files,
                 uint64_t seed) {
  const isa::Program& prog = st.program();
  for (const auto& [name, path] : files) {
    auto ref = prog.find(name);
    if (!ref || ref->memory != isa::Memory::kHbm)
      throw Error("--input " + isa::bounded(name) + "=" + isa::bounded(path) +
                  ": the program has no HBM tensor '" + isa::bounded(name) + "'");
    const isa::HbmTensor& t = prog.tensors[ref->index];
    if (t.role != isa::TensorRole::kInput && t.role != isa::TensorRole::kConstant)
      throw Error("--input " + isa::bounded(name) + "=" + isa::bounded(path) + ": tensor '" +
                  isa::bounded(name) + "' is an " + std::string(isa::role_name(t.role)) +
                  " tensor; only input and constant tensors take values from files");
  }
  for (size_t i = 0; i < prog.tensors.size(); ++i) {
    const isa::HbmTensor& t = prog.tensors[i];
    auto it = files.find(t.name);
    if (it != files.end()) {
      const std::string item = isa::bounded(t.name) + "=" + isa::bounded(it->second);
      try {
        st.hbm(int(i)) = tensor_bytes_from_file(t, parse_input_spec(it->second), item);
      } catch (const Error& e) {
        const std::string what = e.what();
        throw what.rfind("--input ", 0) == 0 ? e : Error("--input " + item + ": " + what);
      }
    } else if (t.role == isa::TensorRole::kInput || t.role == isa::TensorRole::kConstant) {
      fill_random(st, int(i), seed);
    }
  }
}

std::map<std::string, std::string> parse_name_file_pairs(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw Error("--input '" + isa::bounded(item) + "': expected NAME=FILE.npy");
    const std::string name = item.substr(0, eq);
    if (!out.emplace(name, item.substr(eq + 1)).second)
      throw Error("--input " + isa::bounded(name) + " is given twice ('" +
                  isa::bounded(out[name]) + "' and '" + isa::bounded(item.substr(eq + 1)) + "')");
  }
  return out;
}

}  // namespace trnsim::sim
