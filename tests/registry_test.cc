// The national registry as shipped in data/regions/, and the in-memory index.
#include "storage/registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace gongkai::storage {
namespace {

class NationalRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto regions = ReadRegistryCsv(std::string(GONGKAI_SOURCE_DIR) + "/data/regions");
    ASSERT_TRUE(regions.ok()) << regions.status();
    auto registry = Registry::Build(*std::move(regions));
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = new Registry(*std::move(registry));
  }
  static void TearDownTestSuite() { delete registry_; }
  static Registry* registry_;
};

Registry* NationalRegistryTest::registry_ = nullptr;

TEST_F(NationalRegistryTest, HoldsEveryLevel) {
  ASSERT_NE(registry_->Find("000000000000"), nullptr);
  // 1 nation + 31 provinces + 342 prefectures + 2,978 counties + 41,352 townships, less the
  // four rows that repeat their parent (东莞, 中山, 儋州 as counties; 金门县 as a township).
  EXPECT_EQ(registry_->size(), 1u + 31u + 342u + 2978u + 41352u - 4u);
  EXPECT_EQ(registry_->ChildrenOf("000000000000").size(), 31u);
}

TEST_F(NationalRegistryTest, FollowsExplicitParents) {
  const v1::Region* yishi = registry_->Find("330226104000");
  ASSERT_NE(yishi, nullptr);
  EXPECT_EQ(yishi->name(), "一市镇");
  EXPECT_EQ(yishi->level(), v1::LEVEL_TOWNSHIP);
  EXPECT_THAT(
      registry_->PathOf("330226104000"),
      ::testing::ElementsAre("330000000000", "330200000000", "330226000000", "330226104000"));
  EXPECT_TRUE(registry_->PathOf("000000000000").empty());
}

TEST_F(NationalRegistryTest, HangsTownshipsOfCitiesWithoutCountiesUnderTheCity) {
  const v1::Region* dongguan = registry_->Find("441900000000");
  ASSERT_NE(dongguan, nullptr);
  EXPECT_EQ(dongguan->level(), v1::LEVEL_PREFECTURE);
  const auto& children = registry_->ChildrenOf("441900000000");
  ASSERT_FALSE(children.empty());
  EXPECT_EQ(registry_->Find(children.front())->level(), v1::LEVEL_TOWNSHIP);
  EXPECT_EQ(registry_->PathOf(children.front()).size(), 3u);
}

TEST_F(NationalRegistryTest, KeepsProvinceAdministeredCountiesUnderTheirPseudoPrefecture) {
  const v1::Region* xiantao = registry_->Find("429004000000");
  ASSERT_NE(xiantao, nullptr);
  EXPECT_EQ(xiantao->level(), v1::LEVEL_COUNTY);
  EXPECT_EQ(xiantao->parent_code(), "429000000000");
}

TEST_F(NationalRegistryTest, SearchesByNamePrefix) {
  auto found = registry_->SearchByName("一市镇", 10);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].code(), "330226104000");
  EXPECT_EQ(registry_->SearchByName("城关镇", 5).size(), 5u);
}

TEST(RegistryTest, RejectsUnknownParentsAndRepeatedCodes) {
  auto regions = testing::SmallRegistry();
  regions.push_back(testing::MakeRegion("330226200000", "x", v1::LEVEL_TOWNSHIP, "339999000000"));
  EXPECT_EQ(Registry::Build(regions).status().code(), absl::StatusCode::kInvalidArgument);
  regions = testing::SmallRegistry();
  regions.push_back(regions.back());
  EXPECT_EQ(Registry::Build(regions).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RegistryTest, ReportsAMissingDirectory) {
  EXPECT_EQ(ReadRegistryCsv("/nonexistent-gongkai").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gongkai::storage
