#include "sim/run_result.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <utility>

#include "isa/error.h"

namespace trnsim::sim {
namespace {

int64_t to_ps(double ns) { return std::llround(ns * 1000.0); }

}  // namespace

DmaPieces::DmaPieces(std::initializer_list<DmaPieceRecord> pieces) {
  for (const DmaPieceRecord& p : pieces) push_back(p);
}

DmaPieces::DmaPieces(std::vector<int32_t> index, std::vector<int16_t> queue,
                     std::vector<int64_t> start_ps, std::vector<int64_t> end_ps,
                     std::vector<int64_t> busy_end_ps, std::vector<int64_t> idle_ps,
                     std::vector<int64_t> bytes, std::vector<int32_t> start_order) {
  const size_t n = index.size();
  if (queue.size() != n || start_ps.size() != n || end_ps.size() != n ||
      busy_end_ps.size() != n || idle_ps.size() != n || bytes.size() != n ||
      (!start_order.empty() && start_order.size() != n))
    throw Error("DmaPieces: columns of different lengths");
  for (size_t k = 0; k < n; ++k)
    append_ps(index[k], queue[k], start_ps[k], end_ps[k], busy_end_ps[k], idle_ps[k], bytes[k]);
  if (start_order.empty()) return;
  std::vector<bool> seen(n, false);
  std::vector<int32_t> runs;  // of the pieces in the given order
  for (const int32_t k : start_order) {
    if (k < 0 || size_t(k) >= n)
      throw Error("DmaPieces: start order names piece " + std::to_string(k) + " of " +
                  std::to_string(n));
    if (seen[size_t(k)])
      throw Error("DmaPieces: start order names piece " + std::to_string(k) + " twice");
    seen[size_t(k)] = true;
    runs.push_back(static_cast<int32_t>(run_of(size_t(k))));
  }
  set_run_order(std::move(runs));
}

void DmaPieces::set_run_order(std::vector<int32_t> runs) {
  std::vector<bool> listed(this->runs(), false);
  size_t w = 0;
  for (const int32_t r : runs) {
    if (r < 0 || size_t(r) >= this->runs())
      throw Error("DmaPieces: run order names run " + std::to_string(r) + " of " +
                  std::to_string(this->runs()));
    if (listed[size_t(r)]) continue;  // a later piece of a run already listed
    listed[size_t(r)] = true;
    runs[w++] = r;
  }
  if (w != this->runs()) throw Error("DmaPieces: run order leaves out a run");
  runs.resize(w);
  const auto before = [this](int32_t a, int32_t b) { return starts_before(a, b); };
  if (!std::is_sorted(runs.begin(), runs.end(), before))
    std::sort(runs.begin(), runs.end(), before);
  run_order_ = std::move(runs);
}

size_t DmaPieces::run_of(size_t k) const {
  return size_t(std::upper_bound(first_.begin(), first_.end(), static_cast<int32_t>(k)) -
                first_.begin()) - 1;
}

bool DmaPieces::starts_before(int32_t a, int32_t b) const {
  return start_ps_[a] != start_ps_[b] ? start_ps_[a] < start_ps_[b] : a < b;
}

std::vector<int32_t> DmaPieces::sorted_run_order() const {
  std::vector<int32_t> order(runs());
  for (size_t r = 0; r < runs(); ++r) order[r] = static_cast<int32_t>(r);
  std::sort(order.begin(), order.end(),
            [this](int32_t a, int32_t b) { return starts_before(a, b); });
  return order;
}

void DmaPieces::append_ps(int32_t index, int16_t queue, int64_t start_ps, int64_t end_ps,
                          int64_t busy_end_ps, int64_t idle_ps, int64_t bytes) {
  run_order_.clear();  // pushed pieces are sorted when asked for
  if (first_.empty()) first_.push_back(0);
  if (first_.back() == INT32_MAX) throw Error("DmaPieces: more than 2^31 - 1 pieces");
  const size_t r = runs() - 1;
  if (runs() > 0 && index == index_[r] && start_ps == start_ps_[r] && end_ps == end_ps_[r] &&
      busy_end_ps == busy_end_ps_[r] && idle_ps == idle_ps_[r] && bytes == bytes_[r] &&
      int64_t(queue) == int64_t(queue_[r]) + int64_t(run_size(r))) {
    ++first_.back();
    return;
  }
  index_.push_back(index);
  queue_.push_back(queue);
  start_ps_.push_back(start_ps);
  end_ps_.push_back(end_ps);
  busy_end_ps_.push_back(busy_end_ps);
  idle_ps_.push_back(idle_ps);
  bytes_.push_back(bytes);
  first_.push_back(first_.back() + 1);
}

void DmaPieces::push_back(const DmaPieceRecord& p) {
  const int64_t start = to_ps(p.start_ns);
  append_ps(p.index, p.queue, start, to_ps(p.end_ns), start + to_ps(p.busy_ns),
            to_ps(p.dep_wait_ns), p.bytes);
}

}  // namespace trnsim::sim
