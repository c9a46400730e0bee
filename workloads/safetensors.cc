#include "workloads/safetensors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/checked.h"
#include "isa/error.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

bool dtype_from_safetensors(const std::string& s, isa::DType* out) {
  if (s == "BF16")
    *out = isa::DType::kBf16;
  else if (s == "F16")
    *out = isa::DType::kFp16;
  else if (s == "F32")
    *out = isa::DType::kFp32;
  else
    return false;
  return true;
}

std::string dtype_to_safetensors(isa::DType t) {
  switch (t) {
    case isa::DType::kBf16:
      return "BF16";
    case isa::DType::kFp16:
      return "F16";
    case isa::DType::kFp32:
      return "F32";
    default:
      throw Error("safetensors: cannot write dtype " + std::string(isa::dtype_name(t)));
  }
}

struct Range {
  uint64_t begin, end;
  std::string name;
};

}  // namespace

int64_t SafeTensor::elements() const {
  return isa::checked_product(shape, "safetensors tensor element count");
}

const SafeTensor& SafeTensorsFile::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw Error("safetensors: no tensor named '" + name + "'");
  return it->second;
}

SafeTensorsFile parse_safetensors(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 8) throw Error(where + ": truncated safetensors file (no 8-byte header size)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | uint8_t(bytes[i]);
  if (header_len > bytes.size() - 8)
    throw Error(where + ": truncated safetensors file: header of " + std::to_string(header_len) +
                " bytes, file has " + std::to_string(bytes.size() - 8) + " after the size");
  json header;
  try {
    header = json::parse(bytes.substr(8, header_len));
  } catch (const json::exception& e) {  // parse_error, out_of_range (numbers like 1e400)
    throw Error(where + ": safetensors header is not valid JSON: " + isa::bounded(e.what()));
  }
  if (!header.is_object()) throw Error(where + ": safetensors header must be a JSON object");
  const uint64_t data_begin = 8 + header_len;
  const uint64_t data_size = bytes.size() - data_begin;
  SafeTensorsFile file;
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    const std::string at = where + ": tensor '" + isa::bounded(name) + "'";
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error(where + ": __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw Error(where + ": __metadata__ '" + isa::bounded(m.key()) + "' must be a string");
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets"))
      throw Error(at + ": needs dtype, shape and data_offsets");
    SafeTensor t;
    if (!v["dtype"].is_string() || !dtype_from_safetensors(v["dtype"].get<std::string>(), &t.dtype))
      throw Error(at + ": unsupported dtype " + isa::bounded(v["dtype"].dump()) +
                  " (BF16, F16, F32)");
    if (!v["shape"].is_array()) throw Error(at + ": shape must be a list");
    int64_t elements = 1;
    for (const json& d : v["shape"]) {
      if (!d.is_number_unsigned())
        throw Error(at + ": shape entries must be non-negative integers");
      const uint64_t n = d.get<uint64_t>();
      // Checked so a shape whose element count wraps to the real data size is not accepted.
      if (n > uint64_t(isa::kMaxElements) ||
          __builtin_mul_overflow(elements, int64_t(n), &elements) || elements > isa::kMaxElements)
        throw Error(at + ": shape " + isa::bounded(v["shape"].dump()) +
                    " has more than 2^48 elements");
      t.shape.push_back(int64_t(n));
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw Error(at + ": data_offsets must be [begin, end]");
    const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    const uint64_t elem_bytes = uint64_t(isa::dtype_bytes(t.dtype));
    if (e < b) throw Error(at + ": data_offsets end before begin");
    if (e > data_size)
      throw Error(at + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                  ") beyond the data section of " + std::to_string(data_size) +
                  " bytes (truncated file?)");
    if (e - b != uint64_t(t.elements()) * elem_bytes)
      throw Error(at + ": data_offsets span " + std::to_string(e - b) + " bytes, shape needs " +
                  std::to_string(uint64_t(t.elements()) * elem_bytes));
    ranges.push_back({b, e, name});
    t.values.resize(size_t(t.elements()));
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + data_begin + b);
    for (size_t i = 0; i < t.values.size(); ++i) {
      t.values[i] = isa::load_element(t.dtype, p + i * elem_bytes);
      if (!std::isfinite(t.values[i]))  // a NaN weight would make every comparison pass
        throw Error(at + ": element " + std::to_string(i) + " is " + std::to_string(t.values[i]) +
                    "; weights must be finite");
    }
    file.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end && ranges[i].end > ranges[i].begin)
      throw Error(where + ": tensors '" + isa::bounded(ranges[i - 1].name) + "' and '" +
                  isa::bounded(ranges[i].name) + "' have overlapping data ranges");
  }
  return file;
}

SafeTensorsFile read_safetensors(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": cannot open safetensors file (missing, or not a regular file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open safetensors file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_safetensors(ss.str(), path);
}

std::string serialize_safetensors(const SafeTensorsFile& file) {
  json header = json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string data;
  for (const auto& [name, t] : file.tensors) {
    const int eb = isa::dtype_bytes(t.dtype);
    if (int64_t(t.values.size()) != t.elements())
      throw Error("safetensors: tensor '" + name + "' has values that do not match its shape");
    const uint64_t b = data.size();
    data.resize(data.size() + t.values.size() * size_t(eb));
    auto* p = reinterpret_cast<uint8_t*>(&data[b]);
    for (size_t i = 0; i < t.values.size(); ++i)
      isa::store_element(t.dtype, t.values[i], p + i * eb);
    header[name] = {{"dtype", dtype_to_safetensors(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", {b, uint64_t(data.size())}}};
  }
  const std::string h = header.dump();
  std::string out(8, '\0');
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((n >> (8 * i)) & 0xff);
  return out + h + data;
}

void write_safetensors(const std::string& path, const SafeTensorsFile& file) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path + ": cannot write safetensors file");
  const std::string bytes = serialize_safetensors(file);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace trnsim::workloads
