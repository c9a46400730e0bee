#include "sim/stats/results_writer.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "isa/checked.h"
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

// Writes the file at `path` with `write(os)`, then a newline.
template <class Write>
void write_text_file(const fs::path& path, Write&& write) {
  std::ofstream os(path, std::ios::binary);
  if (!os) throw Error("cannot open '" + path.string() + "' for writing");
  write(os);
  os << "\n";
  os.flush();
  if (!os) throw Error("error writing '" + path.string() + "'");
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  write_text_file(path, [&](std::ostream& os) {
    os << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  });
}

// The names a run writes into a results folder (besides outputs/), cleared before a new run.
const char* const kResultFiles[] = {"stats.json", "config.json", "timeline.json",
                                    "timeline.json.gz"};
// Also trnsim's: the NKI front end writes the trace and its compile report here before the run.
// Kept, not cleared: they belong to the run being made.
const char* const kKeptFiles[] = {"trace.json", "compile.json"};

bool is_result_file(const std::string& name) {
  for (const char* f : kResultFiles)
    if (name == f) return true;
  for (const char* f : kKeptFiles)
    if (name == f) return true;
  return false;
}

// Refuses a symlink at `p` (a results folder's entries are never followed out of it).
void refuse_symlink(const fs::path& p) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(p, ec)))
    throw Error("results folder: '" + p.string() +
                "' is a symbolic link; trnsim does not write through links (remove it)");
}

// True if `dir` holds only what a trnsim run writes: the result files and an outputs/ folder
// of .npy files. Throws on symlinks among them.
bool holds_only_results(const fs::path& dir) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    refuse_symlink(e.path());
    if (is_result_file(name) && e.is_regular_file()) continue;
    if (name != "outputs" || !e.is_directory()) return false;
    for (const fs::directory_entry& o : fs::directory_iterator(e.path())) {
      refuse_symlink(o.path());
      if (!o.is_regular_file() || o.path().extension() != ".npy") return false;
    }
  }
  return true;
}

// Makes `root` an empty-of-old-results folder this run owns: creates it, or clears a previous
// trnsim run's files from it; refuses "/" and any non-empty folder holding anything else.
void prepare_results_folder(const fs::path& root) {
  std::error_code ec;
  if (root.empty()) throw Error("results folder: empty path");
  if (fs::exists(fs::symlink_status(root, ec))) {
    if (!fs::is_directory(root, ec))
      throw Error("results folder '" + root.string() + "' exists and is not a folder");
    const fs::path canonical = fs::canonical(root, ec);
    if (!ec && canonical == canonical.root_path())
      throw Error("results folder '" + root.string() + "' is the filesystem root; choose --out");
    bool ok = false;
    try {
      ok = holds_only_results(root);
    } catch (const fs::filesystem_error& e) {
      throw Error("results folder '" + root.string() + "': cannot list it: " + e.what());
    }
    if (!ok)
      throw Error("results folder '" + root.string() +
                  "' is not empty and holds files trnsim did not write; choose another --out "
                  "or empty it (trnsim replaces only its own previous results)");
    for (const char* f : kResultFiles) fs::remove(root / f, ec);
    fs::remove_all(root / "outputs", ec);
    if (ec) throw Error("results folder '" + root.string() + "': cannot clear: " + ec.message());
  }
  make_dirs(root);
}

}  // namespace

void write_output_tensors(const std::string& dir_name, const isa::Program& prog,
                          const std::function<const std::vector<uint8_t>&(int)>& hbm_bytes,
                          bool all_tensors) {
  const fs::path dir(dir_name);
  bool made_dir = false;
  std::map<std::string, std::string> writer_of;  // file name -> tensor name
  for (const isa::HbmTensor& t : prog.tensors) {
    if (!all_tensors && t.role != isa::TensorRole::kOutput) continue;
    const auto [it, fresh] = writer_of.emplace(npy_file_name(t.name), t.name);
    if (!fresh)
      throw Error("results: tensors '" + isa::bounded(it->second) + "' and '" +
                  isa::bounded(t.name) + "' would both be written to outputs/" + it->first +
                  "; rename one");
  }
  for (size_t i = 0; i < prog.tensors.size(); ++i) {
    const isa::HbmTensor& t = prog.tensors[i];
    if (!all_tensors && t.role != isa::TensorRole::kOutput) continue;
    const std::vector<uint8_t>& bytes = hbm_bytes(static_cast<int>(i));
    if (int64_t(bytes.size()) != t.bytes())
      throw Error("results: tensor '" + t.name + "' has " + std::to_string(bytes.size()) +
                  " bytes of values, its shape and dtype need " + std::to_string(t.bytes()));
    if (!made_dir) make_dirs(dir);
    made_dir = true;
    refuse_symlink(dir / npy_file_name(t.name));
    isa::write_storage_npy((dir / npy_file_name(t.name)).string(), bytes.data(), t.elements(),
                           t.dtype, t.shape);
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
  prepare_results_folder(root);
  write_text_file(root / "stats.json", [&](std::ostream& os) { write_stats_json(os, stats); });
  write_json(root / "config.json", cfg.source);
  for (TimelineFormat f : {TimelineFormat::kJson, TimelineFormat::kJsonGz}) {
    const fs::path path = root / timeline_file_name(f);
    if (f == timeline.format) {
      TimelineOptions with_config = timeline;
      with_config.dma_fixed_ns = cfg.dma.fixed_ns;
      with_config.memory = &stats.memory;
      write_timeline_file(path.string(), prog, result, with_config);
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
