#include "sim/config/json_reader.h"

#include <cmath>
#include <limits>

#include "isa/checked.h"
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

namespace {

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53: integers exact in a double

std::string echo(const nlohmann::json& v) { return isa::bounded(v.dump()); }

}  // namespace

void JsonObjectReader::get(const char* key, double* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_number()) fail(key, "expected a number, got " + echo(v));
  *out = v.get<double>();
  if (!std::isfinite(*out)) fail(key, "not finite");
}

// Integers (also written as 3.0) within [-2^53, 2^53]: beyond that no config value is meaningful
// and a double no longer holds every integer.
void JsonObjectReader::get(const char* key, int64_t* out) {
  const nlohmann::json& v = at(key);
  const auto out_of_range = [&] {
    fail(key, echo(v) + " is outside the integer range [-2^53, 2^53]");
  };
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > uint64_t(kMaxExactInt)) out_of_range();
    *out = static_cast<int64_t>(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    if (std::fabs(double(*out)) > kMaxExactInt) out_of_range();
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    if (std::fabs(v.get<double>()) > kMaxExactInt) out_of_range();
    *out = static_cast<int64_t>(v.get<double>());
  } else {
    fail(key, "expected an integer, got " + echo(v));
  }
}

void JsonObjectReader::get(const char* key, int* out) {
  int64_t v = 0;
  get(key, &v);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    fail(key, std::to_string(v) + " is outside the 32-bit integer range");
  *out = static_cast<int>(v);
}

void JsonObjectReader::get(const char* key, std::string* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_string()) fail(key, "expected a string, got " + echo(v));
  *out = v.get<std::string>();
}

void JsonObjectReader::get(const char* key, std::vector<std::pair<double, double>>* out) {
  const nlohmann::json& v = at(key);
  if (!v.is_array()) fail(key, "expected a list of [x, y] pairs, got " + echo(v));
  out->clear();
  for (const auto& p : v) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      fail(key, "expected a list of [x, y] number pairs, got element " + echo(p));
    }
    out->push_back({p[0].get<double>(), p[1].get<double>()});
    if (!std::isfinite(out->back().first) || !std::isfinite(out->back().second))
      fail(key, "element " + echo(p) + " is not finite");
  }
}

JsonObjectReader JsonObjectReader::child(const char* key) {
  const nlohmann::json& v = at(key);
  if (!v.is_object()) fail(key, "expected an object, got " + echo(v));
  return JsonObjectReader(v, where_, key_path(key));
}

void JsonObjectReader::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;
    if (!used_.count(it.key())) fail(isa::bounded(it.key()).c_str(), "unknown key");
  }
}

}  // namespace trnsim::sim
