// View text <-> View, and the number encoding shared by the trace reader and writer.
//
// Grammar: name | name "[" slice ("," slice)* "]", slice = int | [int] ":" [int] [":" [int]].
// A step of 0 (partition dim only) repeats index `start` stop - start times (a broadcast).
// Negative indices count from the end of the dimension (as in NumPy). Bounds beyond the
// dimension are kept as written; the validator reports them.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/trace_json.h"
#include "isa/trace_json_internal.h"

namespace trnsim::isa {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error view_error(std::string_view text, const std::string& why) {
  return Error("bad view '" + bounded(text) + "': " + bounded(why));
}

// Parses an optional integer; empty text leaves *out unchanged and returns false.
bool parse_index(std::string_view part, std::string_view text, int64_t* out) {
  part = trim(part);
  if (part.empty()) return false;
  const char* begin = part.data();
  if (*begin == '+') ++begin;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, part.data() + part.size(), v);
  if (ec != std::errc() || ptr != part.data() + part.size())
    throw view_error(text, "'" + bounded(part, 40) + "' is not an integer (64-bit)");
  *out = v;
  return true;
}

int64_t resolve_negative(int64_t v, int64_t dim_size, size_t dim, std::string_view text) {
  if (v >= 0) return v;
  if (v + dim_size < 0)
    throw view_error(text, "index " + std::to_string(v) + " is before the start of dim " +
                               std::to_string(dim) + " (size " + std::to_string(dim_size) + ")");
  return v + dim_size;
}

Slice parse_slice(std::string_view part, int64_t dim_size, size_t dim, std::string_view text) {
  part = trim(part);
  if (part.empty()) throw view_error(text, "empty slice for dim " + std::to_string(dim));
  Slice s{0, dim_size, 1};
  const size_t c1 = part.find(':');
  if (c1 == std::string_view::npos) {
    int64_t i = 0;
    parse_index(part, text, &i);
    i = resolve_negative(i, dim_size, dim, text);
    if (i == std::numeric_limits<int64_t>::max())  // i + 1 would overflow; past any buffer
      throw view_error(text, "index " + std::to_string(i) + " is past the end of dim " +
                                 std::to_string(dim) + " (size " + std::to_string(dim_size) + ")");
    return Slice{i, i + 1, 1};
  }
  const size_t c2 = part.find(':', c1 + 1);
  if (c2 != std::string_view::npos && part.find(':', c2 + 1) != std::string_view::npos)
    throw view_error(text, "slice '" + bounded(part, 40) + "' has more than two ':'");
  if (parse_index(part.substr(0, c1), text, &s.start))
    s.start = resolve_negative(s.start, dim_size, dim, text);
  const std::string_view stop_text =
      c2 == std::string_view::npos ? part.substr(c1 + 1) : part.substr(c1 + 1, c2 - c1 - 1);
  if (parse_index(stop_text, text, &s.stop)) s.stop = resolve_negative(s.stop, dim_size, dim, text);
  // Step 0 is a broadcast (Slice); validate.cc limits it to read operands (dim 0: DMA sources).
  if (c2 != std::string_view::npos && parse_index(part.substr(c2 + 1), text, &s.step) &&
      s.step < 0) {
    throw view_error(text, "step " + std::to_string(s.step) + " of dim " + std::to_string(dim) +
                               " must be positive (or 0, a broadcast)");
  }
  return s;
}

// One dim's slice text: ":" for the whole dim, "i" for one index, else "a:b" or "a:b:s".
void append_slice(std::string* out, const Slice& s, int64_t dim_size) {
  if (s.start == 0 && s.stop == dim_size && s.step == 1) {
    *out += ':';
    return;
  }
  // A single index prints as one number. Checked: a wild start (INT64_MAX) has no successor,
  // and formatting (used in messages about bad views) must not overflow or throw.
  int64_t next = 0;
  append_int(out, s.start);
  if (s.step == 1 && !__builtin_add_overflow(s.start, 1, &next) && s.stop == next) return;
  *out += ':';
  append_int(out, s.stop);
  if (s.step != 1) {
    *out += ':';
    append_int(out, s.step);
  }
}

// The whole buffer, without the temporary shape of Program::whole.
View whole_view(const Program& prog, BufferRef b) {
  View v;
  v.buf = b;
  if (b.memory == Memory::kHbm) {
    const std::vector<int64_t>& shape = prog.tensors[b.index].shape;
    v.dims.reserve(shape.size());
    for (int64_t n : shape) v.dims.push_back(Slice{0, n, 1});
  } else {
    const Tile& t = prog.tiles[b.index];
    v.dims.reserve(t.free_shape.size() + 1);
    v.dims.push_back(Slice{0, t.partitions, 1});
    for (int64_t n : t.free_shape) v.dims.push_back(Slice{0, n, 1});
  }
  return v;
}

// Resolves the name with `find` (a std::optional<BufferRef>(std::string_view) callable).
template <class Find>
View parse_view_with(const Program& prog, Find find, std::string_view text) {
  const std::string_view t = trim(text);
  const size_t bracket = t.find('[');
  const std::string_view name = trim(t.substr(0, bracket));
  if (name.empty()) throw view_error(text, "no buffer name");
  const std::optional<BufferRef> buf = find(name);
  if (!buf) throw view_error(text, "unknown buffer '" + bounded(name, 80) + "'");
  View v = whole_view(prog, *buf);
  if (bracket == std::string_view::npos) return v;
  if (t.back() != ']') throw view_error(text, "missing closing ']'");
  const std::string_view body = t.substr(bracket + 1, t.size() - bracket - 2);
  if (body.find_first_of("[]") != std::string_view::npos) throw view_error(text, "nested brackets");
  if (trim(body).empty()) throw view_error(text, "empty slice list");
  const size_t slices = size_t(std::count(body.begin(), body.end(), ',')) + 1;
  if (slices > v.dims.size())
    throw view_error(text, std::to_string(slices) + " slices for a " +
                               std::to_string(v.dims.size()) + "-D buffer '" +
                               bounded(name, 80) + "'");
  size_t from = 0;
  for (size_t d = 0; d < slices; ++d) {
    const size_t comma = body.find(',', from);
    const std::string_view part =
        body.substr(from, comma == std::string_view::npos ? comma : comma - from);
    v.dims[d] = parse_slice(part, v.dims[d].stop, d, text);
    from = comma + 1;
  }
  return v;
}

}  // namespace

View parse_view(const Program& prog, std::string_view text) {
  return parse_view_with(
      prog, [&](std::string_view name) { return prog.find(name); }, text);
}

namespace trace_internal {

BufferIndex index_buffers(const Program& prog) {
  BufferIndex index;
  index.names.reserve(prog.tensors.size() + prog.tiles.size());
  const auto add = [&](const std::string& name, BufferRef ref) {
    if (index.names.insert(name)) index.refs.push_back(ref);  // the first of a name wins
  };
  for (size_t i = 0; i < prog.tensors.size(); ++i)
    add(prog.tensors[i].name, BufferRef{Memory::kHbm, int32_t(i)});
  for (size_t i = 0; i < prog.tiles.size(); ++i)
    add(prog.tiles[i].name, BufferRef{prog.tiles[i].memory, int32_t(i)});
  return index;
}

View parse_view(const Program& prog, const BufferIndex& buffers, std::string_view text) {
  return parse_view_with(
      prog,
      [&](std::string_view name) { return buffers.find(name); },
      text);
}

}  // namespace trace_internal

void append_int(std::string* out, int64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out->append(buf, size_t(end - buf));
}

void append_view_text(std::string* out, const Program& prog, const View& v) {
  const bool hbm = v.buf.memory == Memory::kHbm;
  const bool valid_buf =
      v.buf.index >= 0 && size_t(v.buf.index) < (hbm ? prog.tensors.size() : prog.tiles.size());
  if (!valid_buf) {
    *out += "<invalid buffer ";
    append_int(out, v.buf.index);
    *out += '>';
    return;
  }
  const Tile* tile = hbm ? nullptr : &prog.tiles[size_t(v.buf.index)];
  const size_t rank = hbm ? prog.tensors[size_t(v.buf.index)].shape.size()
                          : tile->free_shape.size() + 1;
  const auto dim_size = [&](size_t d) -> int64_t {
    if (d >= rank) return -1;
    if (hbm) return prog.tensors[size_t(v.buf.index)].shape[d];
    return d == 0 ? tile->partitions : tile->free_shape[d - 1];
  };
  // Trailing whole dims are implied, unless the view has a different rank than its buffer.
  size_t parts = v.dims.size();
  if (parts == rank) {
    while (parts > 0) {
      const Slice& s = v.dims[parts - 1];
      if (!(s.start == 0 && s.stop == dim_size(parts - 1) && s.step == 1)) break;
      --parts;
    }
  }
  *out += prog.name_of(v.buf);
  if (parts == 0 && v.dims.size() == rank) return;
  *out += '[';
  for (size_t d = 0; d < parts; ++d) {
    if (d > 0) *out += ", ";
    append_slice(out, v.dims[d], dim_size(d));
  }
  *out += ']';
}

std::string view_to_string(const Program& prog, const View& v) {
  std::string out;
  append_view_text(&out, prog, v);
  return out;
}

namespace trace_internal {

nlohmann::json number_to_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

bool json_to_number(const nlohmann::json& j, double* out) {
  if (j.is_number()) {
    *out = j.get<double>();
    return true;
  }
  if (!j.is_string()) return false;
  const std::string& s = j.get_ref<const std::string&>();
  if (s == "inf" || s == "-inf") {
    *out = s == "inf" ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  return false;
}

}  // namespace trace_internal
}  // namespace trnsim::isa
