// isa::NameIndex: positions in insertion order, duplicates refused, lookups across growth.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isa/name_index.h"

namespace trnsim::isa {
namespace {

TEST(NameIndex, GivesPositionsInInsertionOrderAndRefusesDuplicates) {
  NameIndex index;
  EXPECT_EQ(index.find("a"), -1);  // empty
  EXPECT_TRUE(index.insert("a"));
  EXPECT_TRUE(index.insert("b"));
  EXPECT_FALSE(index.insert("a"));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.find("a"), 0);
  EXPECT_EQ(index.find("b"), 1);
  EXPECT_EQ(index.find("c"), -1);
  EXPECT_EQ(index.find(""), -1);
}

TEST(NameIndex, FindsEveryNameAfterGrowingWithOrWithoutReserve) {
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("t_" + std::to_string(i));
  for (const bool reserve : {false, true}) {
    NameIndex index;
    if (reserve) index.reserve(names.size());
    for (const std::string& n : names) ASSERT_TRUE(index.insert(n)) << n;
    for (size_t i = 0; i < names.size(); ++i) ASSERT_EQ(index.find(names[i]), int64_t(i));
    for (const std::string& n : names) EXPECT_FALSE(index.insert(n));
    EXPECT_EQ(index.find("t_5000"), -1);
    EXPECT_EQ(index.size(), names.size());
  }
}

}  // namespace
}  // namespace trnsim::isa
