// The model's compact cells (worker/model.h CellVector): what goes in comes out, narrow or wide.
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/model.h"

namespace gongkai::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

CellVector Make(const std::vector<std::pair<int, int64_t>>& cells) {
  google::protobuf::RepeatedField<int32_t> indices;
  google::protobuf::RepeatedField<int64_t> values;
  for (const auto& [index, value] : cells) {
    indices.Add(index);
    values.Add(value);
  }
  return CellVector(indices, values);
}

std::vector<std::pair<int, int64_t>> All(const CellVector& cells) {
  std::vector<std::pair<int, int64_t>> out;
  for (const auto& [index, value] : cells) out.emplace_back(index, value);
  return out;
}

TEST(CellVectorTest, KeepsSmallValuesAndFindsThemByIndex) {
  const CellVector cells = Make({{0, 5}, {3, -2}, {199, 0}});
  EXPECT_EQ(cells.size(), 3u);
  EXPECT_THAT(All(cells), ElementsAre(Pair(0, 5), Pair(3, -2), Pair(199, 0)));
  EXPECT_EQ(cells.Find(3), -2);
  EXPECT_EQ(cells.Find(199), 0);  // filled with zero is not blank
  EXPECT_EQ(cells.Find(4), std::nullopt);
  EXPECT_EQ(cells.Find(200), std::nullopt);
}

TEST(CellVectorTest, OneValueBeyondThirtyTwoBitsKeepsEveryValueWhole) {
  const int64_t big = int64_t{std::numeric_limits<int32_t>::max()} + 1;
  const int64_t low = std::numeric_limits<int64_t>::min();
  const CellVector cells = Make({{1, 7}, {2, big}, {5, low}});
  EXPECT_THAT(All(cells), ElementsAre(Pair(1, 7), Pair(2, big), Pair(5, low)));
  EXPECT_EQ(cells.Find(2), big);
  EXPECT_EQ(cells.Find(5), low);
  const CellVector edge =
      Make({{0, std::numeric_limits<int32_t>::min()}, {1, std::numeric_limits<int32_t>::max()}});
  EXPECT_THAT(All(edge), ElementsAre(Pair(0, std::numeric_limits<int32_t>::min()),
                                     Pair(1, std::numeric_limits<int32_t>::max())));
}

TEST(CellVectorTest, SortsUnsortedIndicesAndDropsOnesNoEditionHas) {
  const CellVector cells = Make({{9, 1}, {-1, 2}, {2, 3}, {70000, 4}});
  EXPECT_THAT(All(cells), ElementsAre(Pair(2, 3), Pair(9, 1)));
  EXPECT_EQ(cells.Find(9), 1);
  EXPECT_TRUE(Make({}).empty());
}

TEST(CellVectorTest, ACopyHoldsItsOwnCellsAndComparesEqual) {
  const int64_t big = int64_t{1} << 40;
  // An odd number of indices: the values begin after padding.
  for (const CellVector& original :
       {Make({{1, 7}, {4, -3}, {8, 0}}), Make({{1, 7}, {2, big}, {3, 1}}), Make({})}) {
    CellVector copy(original);
    EXPECT_TRUE(copy == original);
    EXPECT_THAT(All(copy), ::testing::ContainerEq(All(original)));
    CellVector assigned = Make({{0, 1}});
    assigned = original;
    EXPECT_TRUE(assigned == original);
    const CellVector moved = std::move(copy);
    EXPECT_TRUE(moved == original);
    EXPECT_TRUE(assigned == moved);
    // What was moved from is empty, and usable.
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(All(copy).empty());
    EXPECT_TRUE(copy == Make({}));
    CellVector taken = Make({{2, 3}});
    taken = std::move(assigned);
    EXPECT_TRUE(taken == original);
    EXPECT_EQ(assigned.size(), 0u);  // NOLINT(bugprone-use-after-move)
  }
  // Equal only with the same indices and the same values.
  EXPECT_FALSE(Make({{1, 7}, {4, -3}}) == Make({{1, 7}, {5, -3}}));
  EXPECT_FALSE(Make({{1, 7}, {4, -3}}) == Make({{1, 7}, {4, -4}}));
  EXPECT_FALSE(Make({{1, 7}, {4, -3}}) == Make({{1, 7}}));
  EXPECT_TRUE(Make({{1, 7}, {4, big}}) == Make({{4, big}, {1, 7}}));
}

}  // namespace
}  // namespace gongkai::worker
