// Strict reader of one JSON object of a config: every required key must be present with the
// right type, and finish() rejects keys nobody asked for. Errors name the full key path.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace trnsim::sim {

class JsonObjectReader {
 public:
  // `where` names the source (file, "--set"); `path` is the dotted key path of `j` ("" = root).
  JsonObjectReader(const nlohmann::json& j, std::string where, std::string path);

  void get(const char* key, double* out);
  void get(const char* key, int64_t* out);
  void get(const char* key, int* out);
  void get(const char* key, std::string* out);
  // A list of [x, y] number pairs.
  void get(const char* key, std::vector<std::pair<double, double>>* out);
  JsonObjectReader child(const char* key);
  // Throws if the object has a key that no get()/child() asked for (keys starting with '_'
  // are comments and always allowed).
  void finish() const;

  std::string key_path(const char* key) const;
  [[noreturn]] void fail(const char* key, const std::string& why) const;

 private:
  const nlohmann::json& at(const char* key);
  const nlohmann::json& j_;
  std::string where_, path_;
  std::set<std::string> used_;
};

}  // namespace trnsim::sim
