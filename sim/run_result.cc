#include "sim/run_result.h"

#include <algorithm>
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
                     std::vector<int64_t> bytes, std::vector<int32_t> start_order)
    : index_(std::move(index)),
      queue_(std::move(queue)),
      start_ps_(std::move(start_ps)),
      end_ps_(std::move(end_ps)),
      busy_end_ps_(std::move(busy_end_ps)),
      idle_ps_(std::move(idle_ps)),
      bytes_(std::move(bytes)),
      start_order_(std::move(start_order)) {
  const size_t n = index_.size();
  if (queue_.size() != n || start_ps_.size() != n || end_ps_.size() != n ||
      busy_end_ps_.size() != n || idle_ps_.size() != n || bytes_.size() != n ||
      (!start_order_.empty() && start_order_.size() != n))
    throw Error("DmaPieces: columns of different lengths");
  for (const int32_t k : start_order_)
    if (k < 0 || size_t(k) >= n)
      throw Error("DmaPieces: start order names piece " + std::to_string(k) + " of " +
                  std::to_string(n));
  const auto before = [this](int32_t a, int32_t b) { return starts_before(a, b); };
  if (!std::is_sorted(start_order_.begin(), start_order_.end(), before))
    std::sort(start_order_.begin(), start_order_.end(), before);
  // Strictly increasing in (start, position) order: n distinct positions of n.
  for (size_t j = 1; j < start_order_.size(); ++j)
    if (!starts_before(start_order_[j - 1], start_order_[j]))
      throw Error("DmaPieces: start order names piece " + std::to_string(start_order_[j]) +
                  " twice");
}

bool DmaPieces::starts_before(int32_t a, int32_t b) const {
  return start_ps_[a] != start_ps_[b] ? start_ps_[a] < start_ps_[b] : a < b;
}

std::vector<int32_t> DmaPieces::sorted_start_order() const {
  std::vector<int32_t> order(size());
  for (size_t k = 0; k < size(); ++k) order[k] = static_cast<int32_t>(k);
  std::sort(order.begin(), order.end(),
            [this](int32_t a, int32_t b) { return starts_before(a, b); });
  return order;
}

void DmaPieces::push_back(const DmaPieceRecord& p) {
  const int64_t start = to_ps(p.start_ns);
  index_.push_back(p.index);
  queue_.push_back(p.queue);
  start_ps_.push_back(start);
  end_ps_.push_back(to_ps(p.end_ns));
  busy_end_ps_.push_back(start + to_ps(p.busy_ns));
  idle_ps_.push_back(to_ps(p.dep_wait_ns));
  bytes_.push_back(p.bytes);
  start_order_.clear();  // pushed pieces are sorted when asked for
}

}  // namespace trnsim::sim
