#include "sim/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sim/stats/text_table.h"

namespace trnsim::cli {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

}  // namespace

bool progress_enabled(bool quiet) {
  if (const char* env = std::getenv("TRNSIM_PROGRESS"); env && *env)
    return std::strcmp(env, "0") != 0;
  return !quiet && isatty(STDERR_FILENO);
}

ProgressBar::ProgressBar(std::string what, bool enabled)
    : what_(std::move(what)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

std::string ProgressBar::line(const std::string& what, int64_t done, int64_t total,
                              double seconds) {
  const int64_t clamped = total > 0 ? std::min(std::max<int64_t>(done, 0), total) : 0;
  const int filled = total > 0 ? int(kBarWidth * clamped / total) : 0;
  return what + " [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] " +
         std::to_string(done) + "/" + std::to_string(total) +
         sim::strformat(" %.0fs", seconds);
}

void ProgressBar::update(int64_t done, int64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r\033[K%s", line(what_, done, total, seconds).c_str());
  std::fflush(stderr);
}

void ProgressBar::relabel(std::string what) {
  what_ = std::move(what);
  last_draw_ = {};
}

std::function<void(int64_t, int64_t)> ProgressBar::callback() {
  if (!enabled_) return {};
  return [this](int64_t done, int64_t total) { update(done, total); };
}

}  // namespace trnsim::cli
