// The model's compact cells (worker/model.h CellVector): what goes in comes out, at any width
// and at any index; and the sums they are added to (EditionSums), exact at any size.
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
  cells.ForEach([&](int index, int64_t value) { out.emplace_back(index, value); });
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

TEST(CellVectorTest, EachValueTakesTheWidthOfTheReportsWidestValue) {
  // (bitmap bytes, values' bytes): one word for indices up to 63; 1, 2, 4 or 8 bytes a value.
  struct Case {
    int64_t value;
    size_t width;
  };
  for (const Case& c : std::vector<Case>{
           {0, 1},
           {std::numeric_limits<int8_t>::max(), 1},
           {std::numeric_limits<int8_t>::min(), 1},
           {std::numeric_limits<int8_t>::max() + 1, 2},
           {std::numeric_limits<int8_t>::min() - 1, 2},
           {std::numeric_limits<int16_t>::max(), 2},
           {std::numeric_limits<int16_t>::min(), 2},
           {std::numeric_limits<int16_t>::max() + 1, 4},
           {std::numeric_limits<int16_t>::min() - 1, 4},
           {std::numeric_limits<int32_t>::max(), 4},
           {std::numeric_limits<int32_t>::min(), 4},
           {int64_t{std::numeric_limits<int32_t>::max()} + 1, 8},
           {int64_t{std::numeric_limits<int32_t>::min()} - 1, 8},
           {std::numeric_limits<int64_t>::max(), 8},
           {std::numeric_limits<int64_t>::min(), 8},
       }) {
    SCOPED_TRACE(c.value);
    const CellVector cells = Make({{0, 3}, {10, c.value}, {63, -3}});
    EXPECT_EQ(cells.Bytes(), 8 + 3 * c.width);
    EXPECT_THAT(All(cells), ElementsAre(Pair(0, 3), Pair(10, c.value), Pair(63, -3)));
    EXPECT_EQ(cells.Find(10), c.value);
    EXPECT_EQ(cells.Find(63), -3);
  }
}

TEST(CellVectorTest, FindsCellsInEveryWordOfTheBitmap) {
  const int top = std::numeric_limits<uint16_t>::max();
  const CellVector cells = Make({{0, 1}, {63, 2}, {64, 3}, {127, 4}, {128, 5}, {300, 6}, {top, 7}});
  EXPECT_EQ(cells.size(), 7u);
  EXPECT_EQ(cells.Bytes(), static_cast<size_t>((top / 64 + 1) * 8 + 7));
  EXPECT_THAT(All(cells), ElementsAre(Pair(0, 1), Pair(63, 2), Pair(64, 3), Pair(127, 4),
                                      Pair(128, 5), Pair(300, 6), Pair(top, 7)));
  for (const auto& [index, value] : All(cells)) EXPECT_EQ(cells.Find(index), value);
  for (const int blank : {1, 62, 65, 129, 299, 301, top - 1, top + 1, -1, 1 << 20}) {
    EXPECT_EQ(cells.Find(blank), std::nullopt) << blank;
  }
  // At every width, the values stay in step with the filled cells across words.
  for (const int64_t wide : {int64_t{-100}, int64_t{1000}, int64_t{1} << 40}) {
    SCOPED_TRACE(wide);
    const CellVector mixed = Make({{0, 1}, {63, wide}, {64, 3}, {200, -4}, {top, 5}});
    EXPECT_THAT(All(mixed),
                ElementsAre(Pair(0, 1), Pair(63, wide), Pair(64, 3), Pair(200, -4), Pair(top, 5)));
    for (const auto& [index, value] : All(mixed)) EXPECT_EQ(mixed.Find(index), value);
  }
  // Words without a filled cell between filled ones are stepped over.
  EXPECT_THAT(All(Make({{5, 1}, {200, 2}})), ElementsAre(Pair(5, 1), Pair(200, 2)));
  EXPECT_THAT(All(Make({{200, 2}})), ElementsAre(Pair(200, 2)));
  EXPECT_EQ(Make({{200, 2}}).Find(5), std::nullopt);
}

TEST(CellVectorTest, ForEachBelowVisitsTheCellsBelowItsBoundAlone) {
  // Cells in three bitmap words, their values 1, 2, 4 and 8 bytes wide (the scale decides); the
  // bound falls inside a word, on a word's edge, beyond the last word, and at size_t's end.
  for (const int64_t scale :
       {int64_t{1}, int64_t{100}, int64_t{100'000}, int64_t{1'000'000'000'000}}) {
    const CellVector cells = Make({{0, 7 * scale},
                                   {5, -scale},
                                   {63, 2 * scale},
                                   {64, 40 * scale},
                                   {70, 3 * scale},
                                   {130, 9 * scale}});
    auto below = [&](size_t end) {
      std::vector<std::pair<int, int64_t>> out;
      cells.ForEachBelow(end, [&](int index, int64_t value) { out.emplace_back(index, value); });
      return out;
    };
    SCOPED_TRACE(scale);
    EXPECT_THAT(below(0), ElementsAre());
    EXPECT_THAT(below(5), ElementsAre(Pair(0, 7 * scale)));
    EXPECT_THAT(below(6), ElementsAre(Pair(0, 7 * scale), Pair(5, -scale)));
    EXPECT_THAT(below(64), ElementsAre(Pair(0, 7 * scale), Pair(5, -scale), Pair(63, 2 * scale)));
    EXPECT_THAT(below(71), ElementsAre(Pair(0, 7 * scale), Pair(5, -scale), Pair(63, 2 * scale),
                                       Pair(64, 40 * scale), Pair(70, 3 * scale)));
    EXPECT_EQ(below(131), All(cells));
    EXPECT_EQ(below(1000), All(cells));
    EXPECT_EQ(below(std::numeric_limits<size_t>::max()), All(cells));
    EXPECT_EQ(All(cells).size(), 6u);
  }
}

TEST(CellVectorTest, OfAnIndexGivenTwiceTheLastValueStays) {
  const CellVector cells = Make({{4, 1}, {2, 9}, {4, 1000}, {2, 8}});
  EXPECT_THAT(All(cells), ElementsAre(Pair(2, 8), Pair(4, 1000)));
  EXPECT_EQ(cells.Find(4), 1000);
  // The width is that of the values kept: equal to the same cells given once.
  EXPECT_TRUE(Make({{3, 100000}, {3, 1}}) == Make({{3, 1}}));
  EXPECT_EQ(Make({{3, 100000}, {3, 1}}).Bytes(), size_t{8 + 1});
}

TEST(CellVectorTest, SortsUnsortedIndicesAndDropsOnesNoEditionHas) {
  const CellVector cells = Make({{9, 1}, {-1, 2}, {2, 3}, {70000, 4}});
  EXPECT_THAT(All(cells), ElementsAre(Pair(2, 3), Pair(9, 1)));
  EXPECT_EQ(cells.Find(9), 1);
  EXPECT_TRUE(Make({}).empty());
}

TEST(CellVectorTest, ACopyHoldsItsOwnCellsAndComparesEqual) {
  const int64_t big = int64_t{1} << 40;
  // Narrow and wide values, and none.
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

TEST(EditionSumsTest, SumsExactlyBeyondSixtyFourBitsAndBackWhenReportsAreTakenAway) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EditionSums sums;
  EXPECT_FALSE(sums.has_cells());
  EXPECT_EQ(sums.Exact(0), 0);
  EXPECT_EQ(sums.Contributors(0), 0);
  const CellVector big = Make({{0, kMax}, {1, kMin}, {2, 5}});
  const CellVector small = Make({{0, 1}, {1, -1}});
  sums.Add(3, big, +1);
  sums.Add(3, small, +1);
  ASSERT_TRUE(sums.has_cells());
  EXPECT_EQ(sums.Exact(0), static_cast<__int128>(kMax) + 1);
  EXPECT_EQ(sums.Exact(1), static_cast<__int128>(kMin) - 1);
  EXPECT_EQ(sums.Exact(2), 5);
  EXPECT_EQ(sums.Contributors(0), 2);
  EXPECT_EQ(sums.Contributors(2), 1);
  // Taking away the smaller report leaves the exact extremes, not wrapped ones.
  sums.Add(3, small, -1);
  EXPECT_EQ(sums.Exact(0), kMax);
  EXPECT_EQ(sums.Exact(1), kMin);
  EXPECT_EQ(sums.Contributors(0), 1);
  // Taking away the extremes again, from sums that left int64's range (kept in 128 bits).
  EditionSums other;
  other.Add(3, small, +1);
  other.Add(3, big, +1);
  other.Add(3, big, -1);
  EXPECT_EQ(other.Exact(0), 1);
  EXPECT_EQ(other.Exact(1), -1);
  EXPECT_EQ(other.Exact(2), 0);
  EXPECT_EQ(other.Contributors(2), 0);
  // Taking away what was never added (a withdrawal replayed first) is exact too.
  EditionSums negative;
  negative.Add(3, big, -1);
  EXPECT_EQ(negative.Exact(0), -static_cast<__int128>(kMax));
  EXPECT_EQ(negative.Exact(1), -static_cast<__int128>(kMin));
  EXPECT_EQ(negative.Contributors(1), -1);
  // The same sums reached another way compare equal, whichever cells went wide.
  EditionSums direct;
  direct.Add(3, small, +1);
  EXPECT_TRUE(other.SameCells(direct));
  EXPECT_TRUE(direct.SameCells(other));
  EXPECT_FALSE(direct.SameCells(sums));
  EXPECT_TRUE(EditionSums().SameCells(EditionSums()));
  // Sums with no report left are the same as none at all.
  EditionSums emptied;
  emptied.Add(3, small, +1);
  emptied.Add(3, small, -1);
  EXPECT_TRUE(emptied.SameCells(EditionSums()));
  EXPECT_TRUE(EditionSums().SameCells(emptied));
  EXPECT_FALSE(EditionSums().SameCells(direct));
  // The same sums, but one more report fills cell 2 (with a zero).
  EditionSums filled;
  filled.Add(3, Make({{0, 1}, {1, -1}, {2, 0}}), +1);
  EXPECT_FALSE(filled.SameCells(direct));
  EXPECT_FALSE(direct.SameCells(filled));
  // An index beyond the edition's cells is not summed.
  EditionSums bounded;
  bounded.Add(2, Make({{1, 4}, {7, 9}}), +1);
  EXPECT_EQ(bounded.Exact(1), 4);
  EXPECT_EQ(bounded.Exact(7), 0);
  EXPECT_EQ(bounded.Contributors(7), 0);
}

TEST(EditionSumsTest, ACopyHoldsItsOwnSums) {
  EditionSums sums;
  sums.reports = 1;
  sums.Add(2, Make({{0, 3}}), +1);
  EditionSums copy(sums);
  copy.Add(2, Make({{0, 4}}), +1);
  EXPECT_EQ(sums.Exact(0), 3);
  EXPECT_EQ(copy.Exact(0), 7);
  EXPECT_EQ(copy.reports, 1);
  EditionSums assigned;
  assigned = sums;
  EXPECT_TRUE(assigned.SameCells(sums));
  assigned.Add(2, Make({{1, 5}}), +1);
  EXPECT_EQ(sums.Exact(1), 0);
  EXPECT_EQ(assigned.Exact(1), 5);
  // Assigned sums without cells have none (the allocation kept for reuse holds nothing).
  assigned = EditionSums();
  EXPECT_FALSE(assigned.has_cells());
  EXPECT_EQ(assigned.Exact(0), 0);
  EXPECT_EQ(assigned.Contributors(0), 0);
  EXPECT_TRUE(assigned.SameCells(EditionSums()));
  assigned.Add(2, Make({{1, 6}}), +1);
  EXPECT_EQ(assigned.Exact(0), 0);
  EXPECT_EQ(assigned.Exact(1), 6);
  EXPECT_EQ(sums.Exact(0), 3);
}

}  // namespace
}  // namespace gongkai::worker
