// A one-line progress bar on stderr for long commands (rank sweeps, model runs). Drawn only
// when stderr is a terminal and the command is not --quiet; $TRNSIM_PROGRESS=1 forces it on
// (e.g. for logs), =0 off. The line is erased when the work is done, so the command's
// output that follows is unchanged.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace trnsim::cli {

// Whether a progress bar should be drawn (see above).
bool progress_enabled(bool quiet);

class ProgressBar {
 public:
  ProgressBar(std::string what, bool enabled);
  ~ProgressBar();  // finish()
  void finish();   // erases the line if anything was drawn; later updates draw again
  // Changes what the bar says; the next update() draws at once.
  void relabel(std::string what);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Reports `done` of `total` units; redraws at most every 100 ms, and always at the end.
  void update(int64_t done, int64_t total);

  // update() as a std::function for library code that takes a progress callback (empty when
  // the bar is disabled).
  std::function<void(int64_t, int64_t)> callback();

  // The line drawn for `done`/`total` after `seconds` (exposed for tests).
  static std::string line(const std::string& what, int64_t done, int64_t total, double seconds);

 private:
  std::string what_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace trnsim::cli
