// write_stats_json: stats.json's text, with memory.tiles written tile by tile.
#include <cmath>
#include <ostream>
#include <string>

#include "isa/trace_json.h"
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

// `v` as dump writes it, appended to `out`: plain printable ASCII names directly, anything
// that needs escaping or replacing through the library.
void append_json_string(std::string* out, const std::string& v) {
  for (const char c : v) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      *out += text(json(v), -1);
      return;
    }
  }
  *out += '"';
  *out += v;
  *out += '"';
}

// `v` as dump writes a double: nlohmann's own shortest round-trip digits (the function its
// serializer calls), "null" for NaN and infinities.
void append_double(std::string* out, double v) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char digits[64];
  const char* end = nlohmann::detail::to_chars(digits, digits + sizeof digits, v);
  out->append(digits, static_cast<size_t>(end - digits));
}

// tile_use_json(t) as dump(2) writes it nested `depth` levels deep, appended to `out` (the
// document of one tile costs ~15k instructions to build and as many to dump; a kernel has
// tens of thousands of tiles). Keys in the document's (sorted) order; strings that need
// escaping through the library, doubles by its number formatting.
// ResultsWriter.StreamedStatsAreTheDocumentsText holds the two to the same text.
void append_tile(std::string* out, const TileUse& t, int depth) {
  const std::string_view pad = "\n                                ";  // newline + 32 spaces
  const std::string_view field_pad = pad.substr(0, 1 + 2 * static_cast<size_t>(depth + 1));
  bool first = true;
  const auto key = [&](std::string_view k) {  // the separator, indentation and key
    if (!first) *out += ',';
    first = false;
    *out += field_pad;
    *out += '"';
    *out += k;
    *out += "\": ";
  };
  *out += '{';
  key("address");
  isa::append_int(out, t.address);
  key("bytes_per_partition");
  isa::append_int(out, t.bytes_per_partition);
  key("end_ns");
  append_double(out, t.end_ns);
  key("first_instruction");
  isa::append_int(out, t.first);
  key("last_instruction");
  isa::append_int(out, t.last);
  key("memory");
  append_json_string(out, std::string(isa::memory_name(t.memory)));
  key("name");
  append_json_string(out, t.name);
  key("partitions");
  isa::append_int(out, t.partitions);
  key("start_ns");
  append_double(out, t.start_ns);
  *out += pad.substr(0, 1 + 2 * static_cast<size_t>(depth));
  *out += '}';
}

void write_tiles(std::ostream& os, const std::vector<TileUse>& tiles, int depth) {
  if (tiles.empty()) {
    os << "[]";
    return;
  }
  const std::string pad = "\n" + std::string(2 * static_cast<size_t>(depth + 1), ' ');
  std::string buf = "[";
  for (size_t k = 0; k < tiles.size(); ++k) {
    if (k > 0) buf += ',';
    buf += pad;
    append_tile(&buf, tiles[k], depth + 1);
    if (buf.size() >= (size_t{1} << 16)) {
      os << buf;
      buf.clear();
    }
  }
  buf += pad.substr(0, 1 + 2 * static_cast<size_t>(depth));
  buf += ']';
  os << buf;
}

// The object `members` nested `depth` deep, with the member `extra` written by `write_extra`
// at its sorted place (keys are in std::map order, as dump writes them): in place of the
// document's member of that name, or added if there is none.
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
    if (k == extra) continue;
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
  write_object_with(os, j, "memory", 0, [&](int depth) {
    write_object_with(os, j.at("memory"), "tiles", depth,
                      [&](int d) { write_tiles(os, s.memory.tiles, d); });
  });
}

}  // namespace trnsim::sim
