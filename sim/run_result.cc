#include "sim/run_result.h"

#include <cmath>
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
                     std::vector<int64_t> bytes)
    : index_(std::move(index)),
      queue_(std::move(queue)),
      start_ps_(std::move(start_ps)),
      end_ps_(std::move(end_ps)),
      busy_end_ps_(std::move(busy_end_ps)),
      idle_ps_(std::move(idle_ps)),
      bytes_(std::move(bytes)) {
  const size_t n = index_.size();
  if (queue_.size() != n || start_ps_.size() != n || end_ps_.size() != n ||
      busy_end_ps_.size() != n || idle_ps_.size() != n || bytes_.size() != n)
    throw Error("DmaPieces: columns of different lengths");
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
}

}  // namespace trnsim::sim
