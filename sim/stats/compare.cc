#include "sim/stats/compare.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "isa/error.h"
#include "isa/opcodes.h"
#include "sim/stats/text_table.h"

namespace trnsim::sim {
namespace {
using nlohmann::json;

// A field of one stats document, with errors naming the document and the key path.
class StatsDoc {
 public:
  StatsDoc(const json& j, const std::string& name) : j_(j), name_(name) {
    if (!j_.is_object()) throw Error("stats " + name_ + ": not a JSON object");
  }
  const json& at(const std::string& path) const {
    const json* cur = &j_;
    size_t from = 0;
    while (true) {
      const size_t dot = path.find('.', from);
      const std::string key = path.substr(from, dot == std::string::npos ? dot : dot - from);
      if (!cur->is_object() || !cur->contains(key))
        throw Error("stats " + name_ + ": missing key '" + path + "'");
      cur = &(*cur)[key];
      if (dot == std::string::npos) return *cur;
      from = dot + 1;
    }
  }
  double number(const std::string& path) const {
    const json& v = at(path);
    if (!v.is_number()) throw Error("stats " + name_ + ": '" + path + "' is not a number");
    return v.get<double>();
  }
  std::string text(const std::string& path) const {
    const json& v = at(path);
    if (!v.is_string()) throw Error("stats " + name_ + ": '" + path + "' is not a string");
    return v.get<std::string>();
  }
  const std::string& name() const { return name_; }

 private:
  const json& j_;
  std::string name_;
};

json pair(double a, double b) { return {{"a", a}, {"b", b}, {"delta", b - a}}; }

json pair_at(const StatsDoc& a, const StatsDoc& b, const std::string& path) {
  return pair(a.number(path), b.number(path));
}

std::string us(double ns) { return strformat("%.3f", ns / 1000.0); }
std::string signed_us(double ns) { return strformat("%+.3f", ns / 1000.0); }
std::string pct(double f) { return strformat("%.1f%%", f * 100.0); }
std::string points(double f) { return strformat("%+.1f pt", f * 100.0); }
std::string change(double a, double b) {
  return a != 0 ? strformat("%+.1f%%", (b - a) / a * 100.0) : std::string("-");
}

// Engine names of a comparison in the order of isa::Engine, then any others.
std::vector<std::string> engine_order(const json& engines) {
  std::vector<std::string> out;
  for (int e = 0; e < isa::kNumEngines; ++e) {
    const std::string name(isa::engine_name(static_cast<isa::Engine>(e)));
    if (engines.contains(name)) out.push_back(name);
  }
  for (const auto& item : engines.items())
    if (std::find(out.begin(), out.end(), item.key()) == out.end()) out.push_back(item.key());
  return out;
}

json read_stats_file(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / "stats.json";
  if (!std::filesystem::is_regular_file(path))
    throw Error("compare: '" + path.string() + "' not found (is '" + dir +
                "' a results folder written by `trnsim run`?)");
  std::ifstream is(path);
  if (!is) throw Error("compare: cannot read '" + path.string() + "'");
  try {
    return json::parse(is);
  } catch (const json::exception& e) {
    throw Error("compare: '" + path.string() + "' is not valid JSON: " + e.what());
  }
}

}  // namespace

json compare_results(const json& stats_a, const json& stats_b, const std::string& name_a,
                     const std::string& name_b) {
  const StatsDoc a(stats_a, name_a), b(stats_b, name_b);
  json out;
  out["a"] = {{"name", name_a}, {"program", a.text("program")}, {"config", a.text("config")}};
  out["b"] = {{"name", name_b}, {"program", b.text("program")}, {"config", b.text("config")}};
  json total = pair_at(a, b, "total_ns");
  const double ta = a.number("total_ns"), tb = b.number("total_ns");
  total["speedup"] = tb > 0 ? json(ta / tb) : json(nullptr);
  out["total_ns"] = total;

  const json& engines_a = a.at("engines");
  if (!engines_a.is_object()) throw Error("stats " + name_a + ": 'engines' is not an object");
  json engines = json::object();
  for (const auto& item : engines_a.items()) {
    const std::string base = "engines." + item.key() + ".";
    engines[item.key()] = {{"busy_ns", pair_at(a, b, base + "busy_ns")},
                           {"utilisation", pair_at(a, b, base + "utilisation")},
                           {"dep_wait_ns", pair_at(a, b, base + "dep_wait_ns")}};
  }
  out["engines"] = engines;
  out["dma_bytes_per_ns"] = pair_at(a, b, "dma.bytes_per_ns");
  out["tensor_peak_fraction"] = pair_at(a, b, "flops.peak_fraction");
  out["bottleneck"] = {{"a", a.text("bottleneck.engine")}, {"b", b.text("bottleneck.engine")}};
  return out;
}

std::string format_compare(const json& c) {
  std::string out = "A: " + c["a"]["name"].get<std::string>() + " (" +
                    c["a"]["program"].get<std::string>() + " on " +
                    c["a"]["config"].get<std::string>() + ")\n";
  out += "B: " + c["b"]["name"].get<std::string>() + " (" +
         c["b"]["program"].get<std::string>() + " on " + c["b"]["config"].get<std::string>() +
         ")\n";
  const auto val = [](const json& p, const char* k) { return p[k].get<double>(); };
  TextTable t;
  t.add_row({"", "A", "B", "B-A", "change"});
  const json& total = c["total_ns"];
  t.add_row({"total_us", us(val(total, "a")), us(val(total, "b")), signed_us(val(total, "delta")),
             change(val(total, "a"), val(total, "b"))});
  const std::vector<std::string> engines = engine_order(c["engines"]);
  for (const std::string& name : engines) {
    const json& busy = c["engines"][name]["busy_ns"];
    t.add_row({name + " busy_us", us(val(busy, "a")), us(val(busy, "b")),
               signed_us(val(busy, "delta")), change(val(busy, "a"), val(busy, "b"))});
  }
  for (const std::string& name : engines) {
    const json& util = c["engines"][name]["utilisation"];
    t.add_row({name + " util", pct(val(util, "a")), pct(val(util, "b")),
               points(val(util, "delta")), ""});
  }
  for (const std::string& name : engines) {
    const json& wait = c["engines"][name]["dep_wait_ns"];
    t.add_row({name + " dep_wait_us", us(val(wait, "a")), us(val(wait, "b")),
               signed_us(val(wait, "delta")), change(val(wait, "a"), val(wait, "b"))});
  }
  const json& dma = c["dma_bytes_per_ns"];
  t.add_row({"dma GB/s", strformat("%.1f", val(dma, "a")), strformat("%.1f", val(dma, "b")),
             strformat("%+.1f", val(dma, "delta")), change(val(dma, "a"), val(dma, "b"))});
  const json& flops = c["tensor_peak_fraction"];
  t.add_row({"tensor peak", pct(val(flops, "a")), pct(val(flops, "b")),
             points(val(flops, "delta")), ""});
  t.add_row({"bottleneck", c["bottleneck"]["a"].get<std::string>(),
             c["bottleneck"]["b"].get<std::string>(), "", ""});
  out += t.str();
  if (total["speedup"].is_number()) {
    const double s = total["speedup"].get<double>();
    if (s >= 1) {
      out += strformat("speedup: B is %.3fx faster than A\n", s);
    } else if (s > 0) {
      out += strformat("speedup: B is %.3fx slower than A\n", 1.0 / s);
    } else {
      out += "speedup: n/a (A has no timing)\n";
    }
  } else {
    out += "speedup: n/a (B has no timing)\n";
  }
  return out;
}

std::string compare_dirs(const std::string& dir_a, const std::string& dir_b) {
  return format_compare(
      compare_results(read_stats_file(dir_a), read_stats_file(dir_b), dir_a, dir_b));
}

}  // namespace trnsim::sim
