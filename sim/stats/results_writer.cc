#include "sim/stats/results_writer.h"

#include <filesystem>
#include <fstream>

#include "isa/error.h"
#include "isa/npy.h"
#include "sim/trace/timeline.h"

namespace trnsim::sim {
namespace fs = std::filesystem;
namespace {

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("cannot create results folder '" + dir.string() + "'" +
                (ec ? ": " + ec.message() : std::string()));
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  std::ofstream os(path, std::ios::binary);
  if (!os) throw Error("cannot open '" + path.string() + "' for writing");
  os << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  os.flush();
  if (!os) throw Error("error writing '" + path.string() + "'");
}

}  // namespace

void write_output_tensors(const std::string& dir_name, const isa::Program& prog,
                          const std::function<const std::vector<uint8_t>&(int)>& hbm_bytes,
                          bool all_tensors) {
  const fs::path dir(dir_name);
  bool made_dir = false;
  for (size_t i = 0; i < prog.tensors.size(); ++i) {
    const isa::HbmTensor& t = prog.tensors[i];
    if (!all_tensors && t.role != isa::TensorRole::kOutput) continue;
    const std::vector<uint8_t>& bytes = hbm_bytes(static_cast<int>(i));
    if (int64_t(bytes.size()) != t.bytes())
      throw Error("results: tensor '" + t.name + "' has " + std::to_string(bytes.size()) +
                  " bytes of values, its shape and dtype need " + std::to_string(t.bytes()));
    if (!made_dir) make_dirs(dir);
    made_dir = true;
    isa::write_npy((dir / npy_file_name(t.name)).string(),
                   isa::storage_to_npy(bytes.data(), t.elements(), t.dtype, t.shape));
  }
}

std::string npy_file_name(const std::string& tensor_name) {
  std::string out = tensor_name.empty() ? "_" : tensor_name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) c = '_';
  }
  if (out[0] == '.') out[0] = '_';
  return out + ".npy";
}

void write_results(const std::string& dir, const isa::Program& prog, const RunResult& result,
                   const HwConfig& cfg, const Stats& stats, const isa::MachineState* values,
                   bool all_tensors, const TimelineOptions& timeline) {
  const fs::path root(dir);
  make_dirs(root);
  write_json(root / "stats.json", stats_to_json(stats));
  write_json(root / "config.json", cfg.source);
  for (TimelineFormat f : {TimelineFormat::kJson, TimelineFormat::kJsonGz}) {
    const fs::path path = root / timeline_file_name(f);
    if (f == timeline.format) {
      write_timeline_file(path.string(), prog, result, timeline);
    } else {
      std::error_code ignored;  // a stale timeline of an earlier run must not look current
      fs::remove(path, ignored);
    }
  }
  if (values) {
    write_output_tensors(
        (root / "outputs").string(), prog,
        [values](int i) -> const std::vector<uint8_t>& { return values->hbm(i); }, all_tensors);
  }
}

}  // namespace trnsim::sim
