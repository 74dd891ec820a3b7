// The narrative measures: shingles, their Jaccard similarity (worked out by hand, and against
// the standard library's set intersection), and the request count a narrative states.
#include "common/text.h"

#include <algorithm>
#include <iterator>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace gongkai {
namespace {

TEST(JaccardTest, HandWorkedSets) {
  EXPECT_EQ(Jaccard({}, {}), 0);
  EXPECT_EQ(Jaccard({1, 2, 3}, {}), 0);
  EXPECT_EQ(Jaccard({1, 2, 3}, {1, 2, 3}), 1);
  EXPECT_EQ(Jaccard({1, 2, 3}, {4, 5}), 0);
  // {2, 3} in common of {1, 2, 3, 4}: 2/4.
  EXPECT_EQ(Jaccard({1, 2, 3}, {2, 3, 4}), 0.5);
  // {7} in common of {1, 5, 7, 9, 4000000000}: 1/5, either way round.
  EXPECT_EQ(Jaccard({1, 7, 4000000000u}, {5, 7, 9}), 0.2);
  EXPECT_EQ(Jaccard({5, 7, 9}, {1, 7, 4000000000u}), 0.2);
  // The largest value, and one set inside the other: 2/5.
  EXPECT_EQ(Jaccard({0, 0xFFFFFFFFu}, {0, 1, 2, 3, 0xFFFFFFFFu}), 0.4);
}

TEST(JaccardTest, AgreesWithTheSetIntersectionOnRandomSets) {
  std::mt19937 random(20261205);
  for (int round = 0; round < 500; ++round) {
    auto draw = [&] {
      std::uniform_int_distribution<int> size(0, 300);
      std::uniform_int_distribution<uint32_t> value(0, round % 2 == 0 ? 400 : 0xFFFFFFFFu);
      std::vector<uint32_t> out(size(random));
      for (uint32_t& v : out) v = value(random);
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    };
    const std::vector<uint32_t> a = draw(), b = draw();
    std::vector<uint32_t> common;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
    const size_t all = a.size() + b.size() - common.size();
    const double expected = all == 0 ? 0 : static_cast<double>(common.size()) / all;
    ASSERT_EQ(Jaccard(a, b), expected) << "round " << round;
  }
}

TEST(ShinglesTest, CountsCharactersWithoutPunctuationAndKeepsUniqueSortedHashes) {
  int chars = 0;
  // 8 characters once the punctuation and spaces are gone: 4 shingles of 5, all different.
  const std::vector<uint32_t> s = Shingles("公开，工作 不断加强。", 5, &chars);
  EXPECT_EQ(chars, 8);
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  // The same words with other punctuation: the same shingles.
  EXPECT_EQ(Shingles("公开工作、不断加强", 5, &chars), s);
  // Too short for one shingle.
  EXPECT_TRUE(Shingles("公开工作", 5, &chars).empty());
  EXPECT_EQ(chars, 4);
  // A repeated run counts once.
  EXPECT_EQ(Shingles("ababababab", 2, &chars).size(), 2u);
}

TEST(StatedRequestsTest, ReadsTheFirstStatedCount) {
  EXPECT_EQ(StatedRequests("本年度共收到政府信息公开申请12件，均已办结。"), 12);
  EXPECT_EQ(StatedRequests("受理依申请公开 3 件"), 3);
  EXPECT_EQ(StatedRequests("收到申请2023年度的材料"), std::nullopt);
  EXPECT_EQ(StatedRequests("未收到相关材料"), std::nullopt);
}

}  // namespace
}  // namespace gongkai
