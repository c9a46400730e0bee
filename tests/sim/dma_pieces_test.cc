// RunResult's DMA piece columns (sim/run_result.h): times held in ps, read back as ns.
#include <gtest/gtest.h>

#include <vector>

#include "isa/error.h"
#include "sim/run_result.h"

namespace trnsim::sim {
namespace {

TEST(DmaPieces, ColumnsReadBackAsRecordsInNs) {
  const DmaPieces p({3, 7}, {0, 15}, {1000, 2500}, {4000, 9001}, {3000, 8000}, {0, 500},
                    {64, 4096});
  ASSERT_EQ(p.size(), 2u);
  const DmaPieceRecord b = p[1];
  EXPECT_EQ(b.index, 7);
  EXPECT_EQ(b.queue, 15);
  EXPECT_DOUBLE_EQ(b.start_ns, 2.5);
  EXPECT_DOUBLE_EQ(b.end_ns, 9.001);
  EXPECT_DOUBLE_EQ(b.busy_ns, 5.5);  // busy end - start
  EXPECT_DOUBLE_EQ(b.dep_wait_ns, 0.5);
  EXPECT_EQ(b.bytes, 4096);
  int seen = 0;
  for (const DmaPieceRecord& r : p) seen += r.index;
  EXPECT_EQ(seen, 10);
}

TEST(DmaPieces, PushedRecordsAreRoundedToWholePs) {
  DmaPieces p;
  p.push_back({1, 2, 10.0004, 20.0006, 5.25, 1.0, 128});
  EXPECT_DOUBLE_EQ(p[0].start_ns, 10.0);
  EXPECT_DOUBLE_EQ(p[0].end_ns, 20.001);
  EXPECT_DOUBLE_EQ(p[0].busy_ns, 5.25);
  EXPECT_DOUBLE_EQ(p[0].dep_wait_ns, 1.0);
  p.clear();
  EXPECT_TRUE(p.empty());
}

TEST(DmaPieces, ColumnsOfDifferentLengthsAreAnError) {
  EXPECT_THROW(DmaPieces({1, 2}, {0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}), Error);
}

// Visits positions in start order; ties in position (program) order.
std::vector<size_t> by_start(const DmaPieces& p) {
  std::vector<size_t> out;
  p.for_each_by_start([&](size_t k) { out.push_back(k); });
  return out;
}

TEST(DmaPieces, PushedPiecesAreVisitedInStartOrderTiesInProgramOrder) {
  DmaPieces p;
  p.push_back({0, 0, 30, 31, 1, 0, 8});
  p.push_back({1, 1, 10, 11, 1, 0, 8});
  p.push_back({2, 2, 30, 31, 1, 0, 8});
  p.push_back({3, 3, 20, 21, 1, 0, 8});
  EXPECT_EQ(by_start(p), (std::vector<size_t>{1, 3, 0, 2}));
}

TEST(DmaPieces, AGivenStartOrderIsSortedAndChecked) {
  const std::vector<int64_t> start = {30, 10, 30, 20}, zero(4, 0);
  const auto pieces = [&](std::vector<int32_t> order) {
    return DmaPieces({0, 1, 2, 3}, {0, 1, 2, 3}, start, start, start, zero, zero, order);
  };
  EXPECT_EQ(by_start(pieces({1, 3, 0, 2})), (std::vector<size_t>{1, 3, 0, 2}));
  EXPECT_EQ(by_start(pieces({1, 3, 2, 0})), (std::vector<size_t>{1, 3, 0, 2}));  // tie fixed
  EXPECT_THROW(pieces({1, 3, 0, 0}), Error);  // piece 0 twice, 2 missing
  EXPECT_THROW(pieces({1, 3, 0, 4}), Error);  // out of range
  EXPECT_THROW(pieces({1, 3, 0}), Error);     // not every piece
}

// A spread transfer's alike pieces on consecutive queues are held as one run; any difference
// (instruction, times, bytes, a queue out of sequence) starts a new one. Pieces read back the same.
TEST(DmaPieces, AlikePiecesOnConsecutiveQueuesFormOneRun) {
  const std::vector<int32_t> index = {0, 0, 0, 0, 1, 1, 1, 2, 2};
  const std::vector<int16_t> queue = {4, 5, 6, 7, 0, 1, 3, 0, 1};
  const std::vector<int64_t> start = {10, 10, 10, 10, 20, 20, 20, 30, 30};
  const std::vector<int64_t> end = {50, 50, 50, 50, 60, 60, 60, 70, 70};
  const std::vector<int64_t> bytes = {8, 8, 8, 8, 8, 8, 8, 8, 16};
  const DmaPieces p(index, queue, start, end, end, std::vector<int64_t>(9, 0), bytes);
  ASSERT_EQ(p.size(), 9u);
  EXPECT_EQ(p.runs(), 5u);  // {0: q4-7}, {1: q0-1}, {1: q3}, {2: q0}, {2: q1, 16 B}
  EXPECT_EQ(p.run_size(0), 4u);
  EXPECT_EQ(p.run_begin(2), 6u);
  for (size_t k = 0; k < p.size(); ++k) {
    EXPECT_EQ(p[k].index, index[k]) << k;
    EXPECT_EQ(p.queue(k), queue[k]) << k;
    EXPECT_EQ(p.index(k), index[k]) << k;
    EXPECT_EQ(p[k].bytes, bytes[k]) << k;
  }
  std::vector<int16_t> queues;
  for (const DmaPieceRecord& r : p) queues.push_back(r.queue);
  EXPECT_EQ(queues, queue);

  DmaPieces pushed;  // pushed pieces form the same runs
  for (size_t k = 0; k < p.size(); ++k) pushed.push_back(p[k]);
  EXPECT_EQ(pushed.runs(), 5u);
  EXPECT_EQ(pushed.size(), 9u);
  EXPECT_EQ(pushed.queue(3), 7);
}

TEST(DmaPieces, StartOrderOfRunsIsThatOfTheirPieces) {
  // Transfer 0 (two alike pieces) starts at 30, transfer 1 (two pieces) at 10 and transfer 2
  // (one piece) at 30: ties keep position order. The hint lists pieces of a run apart.
  const std::vector<int64_t> start = {30, 30, 10, 10, 30}, zero(5, 0);
  const DmaPieces p({0, 0, 1, 1, 2}, {0, 1, 0, 1, 2}, start, start, start, zero, zero,
                    {4, 3, 0, 2, 1});
  EXPECT_EQ(p.runs(), 3u);
  EXPECT_EQ(by_start(p), (std::vector<size_t>{2, 3, 0, 1, 4}));
  DmaPieces pushed;
  for (const DmaPieceRecord& r : p) pushed.push_back(r);
  EXPECT_EQ(by_start(pushed), (std::vector<size_t>{2, 3, 0, 1, 4}));
}

}  // namespace
}  // namespace trnsim::sim
