// Label: interned instruction labels compare by identity and keep their text.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "isa/label.h"
#include "isa/program.h"

namespace trnsim::isa {
namespace {

TEST(Label, EqualTextsShareOneCopy) {
  std::string a = "matmul_tiled.py:22";
  std::string b = "matmul_tiled.py:";
  b += "22";  // another buffer, same text
  const Label la(a), lb(b);
  EXPECT_TRUE(la == lb);
  EXPECT_EQ(&la.str(), &lb.str());
  EXPECT_EQ(la.str(), "matmul_tiled.py:22");
  a[0] = 'X';  // the label keeps its own copy
  EXPECT_EQ(la.str(), "matmul_tiled.py:22");
}

TEST(Label, DifferentTextsDiffer) {
  const Label x("load x"), y("load y");
  EXPECT_TRUE(x != y);
  EXPECT_TRUE(x == std::string_view("load x"));
  EXPECT_TRUE(std::string_view("load y") == y);
  EXPECT_TRUE(x != std::string_view("load y"));
}

TEST(Label, EmptyIsTheDefault) {
  const Label none, empty(""), text("t");
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none == empty);
  EXPECT_FALSE(text.empty());
  Label l("t");
  l = "";
  EXPECT_TRUE(l == none);
}

TEST(Label, ReadsAsItsText) {
  const Label l("copy \"half\" \\ \xc3\xbc");
  std::ostringstream os;
  os << l;
  EXPECT_EQ(os.str(), "copy \"half\" \\ \xc3\xbc");
  EXPECT_EQ("[" + l + "]", "[copy \"half\" \\ \xc3\xbc]");
  const std::string& s = l;
  EXPECT_EQ(s, l.str());
  const std::string_view v = l;
  EXPECT_EQ(v, l.str());
}

TEST(Label, InstructionsCopyTheHandleNotTheText) {
  Instruction a = make_instruction(Opcode::dma_copy);
  a.label = "a long label past the small-string buffer";
  const Instruction b = a;
  EXPECT_EQ(&a.label.str(), &b.label.str());
  EXPECT_LE(sizeof(Label), sizeof(void*));
}

TEST(Label, ThreadsInterningTheSameTextsAgree) {
  constexpr int kThreads = 4, kTexts = 2000;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int k = 0; k < kTexts; ++k)
        seen[t].push_back(&Label("thread text " + std::to_string(k)).str());
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]) << "thread " << t;
}

}  // namespace
}  // namespace trnsim::isa
