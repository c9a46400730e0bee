// write_stats_json: stats.json's text, with memory.tiles written tile by tile.
#include <ostream>
#include <string>

#include "sim/stats/stats.h"

namespace trnsim::sim {
namespace {

using nlohmann::json;

std::string text(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// `j` as dump(2) writes it nested `depth` levels deep: every line after the first indented by
// 2 * depth more spaces (dump escapes newlines inside strings, so lines are the layout's).
void write_nested(std::ostream& os, const json& j, int depth) {
  const std::string s = text(j, 2);
  const std::string pad(2 * static_cast<size_t>(depth), ' ');
  size_t from = 0;
  for (size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', from)) {
    os.write(s.data() + from, static_cast<std::streamsize>(nl + 1 - from));
    os << pad;
    from = nl + 1;
  }
  os.write(s.data() + from, static_cast<std::streamsize>(s.size() - from));
}

void write_tiles(std::ostream& os, const std::vector<TileUse>& tiles, int depth) {
  if (tiles.empty()) {
    os << "[]";
    return;
  }
  const std::string pad(2 * static_cast<size_t>(depth + 1), ' ');
  os << "[";
  for (size_t k = 0; k < tiles.size(); ++k) {
    os << (k == 0 ? "\n" : ",\n") << pad;
    write_nested(os, tile_use_json(tiles[k]), depth + 1);
  }
  os << "\n" << std::string(2 * static_cast<size_t>(depth), ' ') << "]";
}

// An object nested `depth` deep whose members are `members` plus, at its sorted place (keys
// are in std::map order, as dump writes them), the key `extra` written by `write_extra`.
template <class WriteExtra>
void write_object_with(std::ostream& os, const json& members, const std::string& extra,
                       int depth, WriteExtra&& write_extra) {
  const std::string pad(2 * static_cast<size_t>(depth + 1), ' ');
  bool first = true, extra_done = false;
  const auto key = [&](const std::string& k) {
    os << (first ? "\n" : ",\n") << pad << text(json(k), -1) << ": ";
    first = false;
  };
  os << "{";
  for (const auto& [k, v] : members.items()) {
    if (!extra_done && extra < k) {
      key(extra);
      write_extra(depth + 1);
      extra_done = true;
    }
    key(k);
    write_nested(os, v, depth + 1);
  }
  if (!extra_done) {
    key(extra);
    write_extra(depth + 1);
  }
  os << "\n" << std::string(2 * static_cast<size_t>(depth), ' ') << "}";
}

}  // namespace

void write_stats_json(std::ostream& os, const Stats& s) {
  const json j = stats_to_json(s, false);
  json rest = j;
  rest.erase("memory");
  write_object_with(os, rest, "memory", 0, [&](int depth) {
    write_object_with(os, j.at("memory"), "tiles", depth,
                      [&](int d) { write_tiles(os, s.memory.tiles, d); });
  });
}

}  // namespace trnsim::sim
