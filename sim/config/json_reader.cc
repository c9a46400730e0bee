#include "sim/config/json_reader.h"

#include <cmath>

#include "isa/error.h"

namespace trnsim::sim {

JsonObjectReader::JsonObjectReader(const nlohmann::json& j, std::string where, std::string path)
    : j_(j), where_(std::move(where)), path_(std::move(path)) {
  if (!j_.is_object()) {
    throw Error("config " + where_ + ": '" + (path_.empty() ? "<root>" : path_) +
                "' must be an object");
  }
}

std::string JsonObjectReader::key_path(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

void JsonObjectReader::fail(const char* key, const std::string& why) const {
  throw Error("config " + where_ + ": key '" + key_path(key) + "': " + why);
}

const nlohmann::json& JsonObjectReader::at(const char* key) {
  auto it = j_.find(key);
  if (it == j_.end()) fail(key, "missing");
  used_.insert(key);
  return *it;
}

void JsonObjectReader::get(const char* key, double* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_number()) fail(key, "expected a number, got " + v.dump());
  *out = v.get<double>();
  if (!std::isfinite(*out)) fail(key, "not finite");
}

void JsonObjectReader::get(const char* key, int64_t* out) {
  const nlohmann::json& v = at(key);
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return;
  }
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    *out = static_cast<int64_t>(v.get<double>());
    return;
  }
  fail(key, "expected an integer, got " + v.dump());
}

void JsonObjectReader::get(const char* key, int* out) {
  int64_t v = 0;
  get(key, &v);
  *out = static_cast<int>(v);
}

void JsonObjectReader::get(const char* key, std::string* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_string()) fail(key, "expected a string, got " + v.dump());
  *out = v.get<std::string>();
}

void JsonObjectReader::get(const char* key, std::vector<std::pair<double, double>>* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_array()) fail(key, "expected a list of [x, y] pairs, got " + v.dump());
  out->clear();
  for (const auto& p : v) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      fail(key, "expected a list of [x, y] number pairs, got element " + p.dump());
    }
    out->push_back({p[0].get<double>(), p[1].get<double>()});
  }
}

JsonObjectReader JsonObjectReader::child(const char* key) {
  const nlohmann::json& v = at(key);
  if (!v.is_object()) fail(key, "expected an object, got " + v.dump());
  return JsonObjectReader(v, where_, key_path(key));
}

void JsonObjectReader::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;
    if (!used_.count(it.key())) fail(it.key().c_str(), "unknown key");
  }
}

}  // namespace trnsim::sim
