// The time-valid registry as shipped in data/regions/ (the national editions 2019–2023), each
// year's tree, lineage across re-codings, and the one-edition form.
#include "registry/registry.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace gongkai::registry {
namespace {

using ::testing::ElementsAre;

class NationalRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto histories = ReadRegistryDir(std::string(GONGKAI_SOURCE_DIR) + "/data/regions");
    ASSERT_TRUE(histories.ok()) << histories.status();
    auto registry = TimedRegistry::Build(*std::move(histories));
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = new std::shared_ptr<const TimedRegistry>(*std::move(registry));
  }
  static void TearDownTestSuite() { delete registry_; }
  static const TimedRegistry& registry() { return **registry_; }
  static std::shared_ptr<const YearTree> Tree(int year) { return registry().Tree(year); }
  static std::shared_ptr<const TimedRegistry>* registry_;
};

std::shared_ptr<const TimedRegistry>* NationalRegistryTest::registry_ = nullptr;

TEST_F(NationalRegistryTest, HoldsEachYearsEdition) {
  // The nation plus every region of the edition, less the rows that repeat their parent
  // (cities without counties as counties, 金门县 as a township).
  EXPECT_EQ(Tree(2019)->size(), 1u + 46469u);
  EXPECT_EQ(Tree(2020)->size(), 1u + 44977u);
  EXPECT_EQ(Tree(2021)->size(), 1u + 44715u);
  EXPECT_EQ(Tree(2022)->size(), 1u + 44704u);
  EXPECT_EQ(Tree(2023)->size(), 1u + 31u + 342u + 2978u + 41352u - 4u);
  for (int year = 2019; year <= 2023; ++year) {
    EXPECT_EQ(Tree(year)->ChildrenOf("000000000000").size(), 31u) << year;
  }
  // Stored compactly: one history per code, not one copy per year.
  EXPECT_EQ(registry().size(), 49279u + 1u);
}

TEST_F(NationalRegistryTest, YearsAfterTheLastEditionUseItsTree) {
  EXPECT_EQ(registry().last_change_year(), 2023);
  EXPECT_EQ(Tree(2026), Tree(2023));
  EXPECT_EQ(Tree(2024)->year(), 2023);
}

TEST_F(NationalRegistryTest, FollowsExplicitParents) {
  const v1::Region* yishi = Tree(2019)->Find("330226104000");
  ASSERT_NE(yishi, nullptr);
  EXPECT_EQ(yishi->name(), "一市镇");
  EXPECT_EQ(yishi->level(), v1::LEVEL_TOWNSHIP);
  EXPECT_EQ(yishi->first_year(), 2019);
  EXPECT_EQ(yishi->last_year(), 0);
  EXPECT_THAT(Tree(2019)->PathOf("330226104000"),
              ElementsAre("330000000000", "330200000000", "330226000000", "330226104000"));
  EXPECT_TRUE(Tree(2019)->PathOf("000000000000").empty());
}

TEST_F(NationalRegistryTest, XingtaiCountyIsAbolishedIn2020AndItsTownsMoveToXiangdu) {
  // 2019: 邢台县 (130521) with 晏家屯镇; 桥东区 (130502).
  ASSERT_NE(Tree(2019)->Find("130521000000"), nullptr);
  EXPECT_EQ(Tree(2019)->Find("130521103000")->parent_code(), "130521000000");
  EXPECT_EQ(Tree(2019)->Find("130502000000")->name(), "桥东区");
  EXPECT_EQ(Tree(2019)->Find("130521000000")->last_year(), 2019);
  // 2020: 邢台县 gone; 130502 renamed 襄都区 (same code, more territory); 晏家屯镇 re-coded.
  EXPECT_EQ(Tree(2020)->Find("130521000000"), nullptr);
  EXPECT_EQ(Tree(2020)->Find("130521103000"), nullptr);
  EXPECT_EQ(Tree(2020)->Find("130502000000")->name(), "襄都区");
  EXPECT_EQ(Tree(2020)->Find("130503000000")->name(), "信都区");
  EXPECT_EQ(Tree(2020)->Find("130502103000")->parent_code(), "130502000000");
  // The re-coding is a one-to-one link from the editions (heuristic).
  const v1::RegionHistory* town = registry().History("130521103000");
  ASSERT_NE(town, nullptr);
  ASSERT_EQ(town->successors_size(), 1);
  EXPECT_EQ(town->successors(0).code(), "130502103000");
  EXPECT_EQ(town->successors(0).year(), 2020);
  EXPECT_EQ(town->successors(0).source(), v1::REGISTRY_SOURCE_EDITION);
  EXPECT_TRUE(town->successors(0).one_to_one());
  EXPECT_EQ(registry().Follow("130521103000", 2019, 2023), "130502103000");
  EXPECT_EQ(registry().Follow("130502103000", 2023, 2019), "130521103000");
  // The county itself has no successor the registry can name.
  EXPECT_EQ(registry().Follow("130521000000", 2019, 2023), std::nullopt);
  EXPECT_EQ(DescribeLife(registry(), "130521000000"), "in use 2019–2019");
  EXPECT_THAT(DescribeLife(registry(), "130521103000"),
              ::testing::HasSubstr("continued by 130502103000 from 2020"));
}

TEST_F(NationalRegistryTest, GongzhulingMovesFromSipingToChangchunIn2020) {
  EXPECT_THAT(Tree(2019)->PathOf("220381000000"),
              ElementsAre("220000000000", "220300000000", "220381000000"));
  EXPECT_EQ(Tree(2020)->Find("220381000000"), nullptr);
  EXPECT_THAT(Tree(2020)->PathOf("220184000000"),
              ElementsAre("220000000000", "220100000000", "220184000000"));
  EXPECT_EQ(registry().Follow("220381000000", 2019, 2020), "220184000000");
  EXPECT_EQ(registry().Follow("220381001000", 2019, 2023), "220184001000");
  EXPECT_TRUE(Tree(2020)->Contains("220100000000", "220184001000"));
  EXPECT_FALSE(Tree(2019)->Contains("220100000000", "220381001000"));
  EXPECT_TRUE(Tree(2019)->Contains("220300000000", "220381001000"));
}

TEST_F(NationalRegistryTest, HangzhouAbolishesXiachengAndJiangganIn2021) {
  for (const char* code : {"330103000000", "330104000000"}) {
    EXPECT_NE(Tree(2020)->Find(code), nullptr) << code;
    EXPECT_EQ(Tree(2021)->Find(code), nullptr) << code;
    EXPECT_EQ(registry().Follow(code, 2020, 2021), std::nullopt) << code;
  }
  for (const char* code : {"330113000000", "330114000000"}) {
    EXPECT_EQ(Tree(2020)->Find(code), nullptr) << code;
    EXPECT_EQ(Tree(2021)->Find(code)->parent_code(), "330100000000") << code;
  }
  // 下城区's streets went to 拱墅区 under new codes.
  EXPECT_EQ(registry().Follow("330103001000", 2020, 2021), "330105014000");
}

TEST_F(NationalRegistryTest, FengtaiLugouqiaoIsJoinedByCodeNeverByName) {
  // "卢沟桥街道" is 110106008 up to 2020 and 110106017 from 2021; each code keeps its unit.
  EXPECT_EQ(Tree(2020)->Find("110106008000")->name(), "卢沟桥街道");
  EXPECT_EQ(Tree(2021)->Find("110106008000")->name(), "六里桥街道");
  EXPECT_EQ(Tree(2020)->Find("110106017000")->name(), "卢沟桥地区");
  EXPECT_EQ(Tree(2021)->Find("110106017000")->name(), "卢沟桥街道");
  EXPECT_EQ(registry().Follow("110106008000", 2020, 2021), "110106008000");
  const v1::RegionHistory* history = registry().History("110106008000");
  ASSERT_EQ(history->versions_size(), 2);
  EXPECT_EQ(history->versions(1).from_year(), 2021);
}

TEST_F(NationalRegistryTest, HangsTownshipsOfCitiesWithoutCountiesUnderTheCity) {
  std::shared_ptr<const YearTree> tree = Tree(2023);
  const v1::Region* dongguan = tree->Find("441900000000");
  ASSERT_NE(dongguan, nullptr);
  EXPECT_EQ(dongguan->level(), v1::LEVEL_PREFECTURE);
  const auto& children = tree->ChildrenOf("441900000000");
  ASSERT_FALSE(children.empty());
  EXPECT_EQ(children.front()->level(), v1::LEVEL_TOWNSHIP);
  EXPECT_EQ(tree->PathOf(children.front()->code()).size(), 3u);
  // A township has no children; neither has a code not in use.
  EXPECT_TRUE(tree->ChildrenOf(children.front()->code()).empty());
  EXPECT_TRUE(tree->ChildrenOf("441999999999").empty());
}

TEST_F(NationalRegistryTest, KeepsProvinceAdministeredCountiesUnderTheirPseudoPrefecture) {
  const v1::Region* xiantao = Tree(2023)->Find("429004000000");
  ASSERT_NE(xiantao, nullptr);
  EXPECT_EQ(xiantao->level(), v1::LEVEL_COUNTY);
  EXPECT_EQ(xiantao->parent_code(), "429000000000");
  EXPECT_TRUE(Tree(2023)->Find("429000000000")->placeholder());
}

TEST_F(NationalRegistryTest, SearchesByNamePrefix) {
  auto found = Tree(2023)->SearchByName("一市镇", 10);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].code(), "330226104000");
  EXPECT_EQ(Tree(2023)->SearchByName("城关镇", 5).size(), 5u);
  EXPECT_EQ(Tree(2020)->SearchByName("晏家屯镇", 5).size(), 1u);
}

TEST(RegistryTest, RejectsUnknownParentsAndRepeatedCodes) {
  auto regions = testing::SmallRegistry();
  regions.push_back(testing::MakeRegion("330226200000", "x", v1::LEVEL_TOWNSHIP, "339999000000"));
  EXPECT_EQ(YearTree::Build(regions).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TimedRegistry::Build(HistoriesOf(regions, 2019)).status().code(),
            absl::StatusCode::kInvalidArgument);
  regions = testing::SmallRegistry();
  regions.push_back(regions.back());
  EXPECT_EQ(YearTree::Build(regions).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RegistryTest, RejectsAYearWhoseParentIsRetired) {
  std::vector<v1::RegionHistory> histories = HistoriesOf(testing::SmallRegistry(), 2019);
  for (v1::RegionHistory& h : histories) {
    if (h.code() == "330226000000") {  // 宁海县 retired in 2022, its towns still under it.
      v1::RegionVersion* retired = h.add_versions();
      retired->set_from_year(2022);
      retired->set_retired(true);
    }
  }
  auto built = TimedRegistry::Build(histories);
  ASSERT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(built.status().message(), ::testing::HasSubstr("2022"));
}

TEST(RegistryTest, OneEditionIsValidInEveryYear) {
  auto registry = TimedRegistry::Build(HistoriesOf(testing::SmallRegistry(), 2019));
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ((*registry)->Tree(2019), (*registry)->Tree(2030));
  EXPECT_EQ((*registry)->Tree(2025)->Find("330226104000")->name(), "一市镇");
}

TEST(RegistryTest, ReadsADirectoryOfOneEdition) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("gongkai-edition-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "provinces.csv") << "code,name\n33,\"浙江省\"\n";
  std::ofstream(dir / "cities.csv") << "code,name,provinceCode\n3302,\"宁波市\",33\n";
  std::ofstream(dir / "areas.csv")
      << "code,name,cityCode,provinceCode\n330226,\"宁海县\",3302,33\n";
  std::ofstream(dir / "streets.csv")
      << "code,name,areaCode,provinceCode,cityCode\n330226104,\"一市镇\",330226,33,3302\n";
  auto histories = ReadRegistryDir(dir.string(), 2021);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(histories.ok()) << histories.status();
  auto registry = TimedRegistry::Build(*std::move(histories));
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ((*registry)->first_year(), 2021);
  EXPECT_THAT((*registry)->Tree(2021)->PathOf("330226104000"),
              ElementsAre("330000000000", "330200000000", "330226000000", "330226104000"));
}

TEST(RegistryTest, ReportsAMissingDirectory) {
  EXPECT_EQ(ReadRegistryCsv("/nonexistent-gongkai").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadRegistryDir("/nonexistent-gongkai").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gongkai::registry
