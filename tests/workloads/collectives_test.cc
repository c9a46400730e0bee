#include "workloads/collectives.h"

#include <gtest/gtest.h>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

const char* kLinks = R"({"t": {"device_link_bytes_per_ns": 1280, "physical_cores_per_device": 8,
  "hop_latency_ns": 2000, "default_lnc": 2, "max_lnc": 2, "lnc_barrier_ns": 1300}})";

TEST(Collectives, ShippedTargetsHaveTheirDocumentedLinks) {
  const TargetLinks t1 = load_target_links("trn1"), t2 = load_target_links("trn2"),
                    t3 = load_target_links("trn3");
  EXPECT_EQ(t1.default_lnc, 1);
  EXPECT_EQ(t1.max_lnc, 1);
  EXPECT_EQ(t2.default_lnc, 2);
  EXPECT_EQ(t3.default_lnc, 2);
  EXPECT_DOUBLE_EQ(t2.device_link_bytes_per_ns, 1280);  // 1.28 TB/s per Trainium2 device
  EXPECT_DOUBLE_EQ(t3.device_link_bytes_per_ns, 2560);  // 2.56 TB/s per Trainium3 device
  EXPECT_EQ(t2.physical_cores_per_device, 8);
}

TEST(Collectives, PerRankLinkSharesTheDeviceLinks) {
  const TargetLinks t = parse_target_links(kLinks, "t", "test");
  // LNC 2: 4 ranks per device; one ring direction: 1280 / 2 / 4 = 160 B/ns.
  EXPECT_DOUBLE_EQ(rank_link(t, 2).link_bytes_per_ns, 160);
  // LNC 1: 8 ranks per device: 80 B/ns.
  EXPECT_DOUBLE_EQ(rank_link(t, 1).link_bytes_per_ns, 80);
  EXPECT_DOUBLE_EQ(rank_link(t, 2).hop_latency_ns, 2000);
}

TEST(Collectives, LncTwoIsRefusedOnTrn1) {
  const TargetLinks t1 = load_target_links("trn1");
  try {
    check_lnc(t1, 2);
    FAIL() << "LNC=2 on trn1 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trn1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_lnc(load_target_links("trn2"), 3), Error);
  EXPECT_THROW(check_lnc(load_target_links("trn2"), 0), Error);
  EXPECT_NO_THROW(check_lnc(load_target_links("trn2"), 1));
}

TEST(Collectives, BadLinkConfigsNameTheKey) {
  auto msg = [](const std::string& text) {
    try {
      parse_target_links(text, "t", "links.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(msg("{}").find("no entry for target 't'"), std::string::npos);
  EXPECT_NE(msg("{").find("invalid JSON"), std::string::npos);
  std::string extra = kLinks;
  extra.insert(extra.find("\"hop"), "\"speed\": 1, ");
  EXPECT_NE(msg(extra).find("speed"), std::string::npos);
  std::string neg = kLinks;
  neg.replace(neg.find("1280"), 4, "-1");
  EXPECT_NE(msg(neg).find("t.device_link_bytes_per_ns"), std::string::npos);
  std::string lnc3 = kLinks;
  lnc3.replace(lnc3.find("\"max_lnc\": 2"), 12, "\"max_lnc\": 3");
  EXPECT_NE(msg(lnc3).find("max_lnc"), std::string::npos);
}

TEST(Collectives, RingFormulas) {
  const LinkSpec l{160.0, 2000.0};
  EXPECT_EQ(all_reduce_ns(1 << 20, 1, l), 0.0);
  // 8 ranks, 64 KiB: 2 * 7/8 * 65536 / 160 + 14 * 2000.
  EXPECT_DOUBLE_EQ(all_reduce_ns(65536, 8, l), 2.0 * 7 / 8 * 65536 / 160 + 14 * 2000);
  EXPECT_DOUBLE_EQ(all_gather_ns(65536, 8, l), 7.0 / 8 * 65536 / 160 + 7 * 2000);
}

}  // namespace
}  // namespace trnsim::workloads
