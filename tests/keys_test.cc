// Encoded key order is logical order.
#include "storage/keys.h"

#include "gtest/gtest.h"

namespace gongkai::storage::keys {
namespace {

const std::vector<std::string> kCounty = {"330000000000", "330200000000", "330226000000"};

std::vector<std::string> Township(const std::string& code) {
  std::vector<std::string> path = kCounty;
  path.push_back(code);
  return path;
}

TEST(KeysTest, BigEndianRoundTripsAndOrdersNumerically) {
  for (uint64_t value : {0ull, 1ull, 255ull, 256ull, 1ull << 40, ~0ull}) {
    std::string encoded;
    AppendBigEndian64(&encoded, value);
    EXPECT_EQ(ReadBigEndian64(encoded), value);
  }
  EXPECT_LT(ChangeKey(255), ChangeKey(256));
  EXPECT_LT(ChangeKey(9), ChangeKey(10));
  EXPECT_LT(RevisionKey("x", 9), RevisionKey("x", 10));
}

TEST(KeysTest, YearsOrderBeforeRegions) {
  EXPECT_LT(Locator(2019, Township("330226104000"), v1::SCOPE_OWN, ""),
            Locator(2020, kCounty, v1::SCOPE_OWN, ""));
}

TEST(KeysTest, ARegionsOwnReportsComeBeforeItsChildren) {
  const std::string county = Locator(2021, kCounty, v1::SCOPE_SUMMARY, "11100000000013127D");
  const std::string township = Locator(2021, Township("330226001000"), v1::SCOPE_OWN, "");
  EXPECT_LT(county, township);
}

TEST(KeysTest, SubtreeIsExactlyOnePrefixRange) {
  const std::string prefix = SubtreePrefix(2021, kCounty);
  const std::string end = PrefixEnd(prefix);
  for (const std::string& inside :
       {Locator(2021, kCounty, v1::SCOPE_OWN, ""),
        Locator(2021, Township("330226104000"), v1::SCOPE_OWN, "11100000000013127D")}) {
    EXPECT_GE(inside, prefix);
    EXPECT_LT(inside, end);
  }
  std::vector<std::string> neighbour = {"330000000000", "330200000000", "330227000000"};
  for (const std::string& outside :
       {Locator(2021, neighbour, v1::SCOPE_OWN, ""), Locator(2022, kCounty, v1::SCOPE_OWN, ""),
        Locator(2021, {"330000000000", "330200000000"}, v1::SCOPE_OWN, "")}) {
    EXPECT_TRUE(outside < prefix || outside >= end) << outside;
  }
}

TEST(KeysTest, ScopeAndBodyOrderWithinARegion) {
  EXPECT_LT(Locator(2021, kCounty, v1::SCOPE_OWN, ""),
            Locator(2021, kCounty, v1::SCOPE_OWN, "11100000000013127D"));
  EXPECT_LT(Locator(2021, kCounty, v1::SCOPE_OWN, "11100000000013127D"),
            Locator(2021, kCounty, v1::SCOPE_SUMMARY, ""));
}

// A report id from its parts.
std::string ReportId(int year, const std::string& code, v1::Scope scope, const std::string& body) {
  v1::ReportKey key;
  key.set_year(year);
  key.set_region_code(code);
  key.set_scope(scope);
  key.set_body(body);
  return gongkai::ReportId(key);
}

TEST(KeysTest, ReportIdsRoundTripAndOrderByYearRegionScopeBody) {
  v1::ReportKey key;
  ASSERT_TRUE(
      ParseReportId(ReportId(2021, "330226104000", v1::SCOPE_SUMMARY, "11100000000013127D"), &key));
  EXPECT_EQ(key.year(), 2021);
  EXPECT_EQ(key.region_code(), "330226104000");
  EXPECT_EQ(key.scope(), v1::SCOPE_SUMMARY);
  EXPECT_EQ(key.body(), "11100000000013127D");
  EXPECT_FALSE(ParseReportId("short", &key));
  EXPECT_FALSE(ParseReportId(ReportId(2021, "330226104000", v1::SCOPE_OWN, "x") + "y", &key));
  EXPECT_LT(ReportId(2020, "990000000000", v1::SCOPE_OWN, ""),
            ReportId(2021, "110000000000", v1::SCOPE_OWN, ""));
  EXPECT_LT(ReportId(2021, "330226104000", v1::SCOPE_OWN, ""),
            ReportId(2021, "330226104000", v1::SCOPE_SUMMARY, ""));
  EXPECT_EQ(ReportId(2021, "330226104000", v1::SCOPE_UNSPECIFIED, ""),
            ReportId(2021, "330226104000", v1::SCOPE_OWN, ""));
}

TEST(KeysTest, PrefixEndSkipsTrailingFF) {
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff", 1)), "");
}

}  // namespace
}  // namespace gongkai::storage::keys
