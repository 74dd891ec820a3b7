// Shared helpers for the tests: temporary directories, fixtures, a small registry.
#ifndef GONGKAI_TESTS_TEST_UTIL_H_
#define GONGKAI_TESTS_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "gongkai/v1/region.pb.h"
#include "gongkai/v1/report.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gongkai::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gongkai-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string TestData(const std::string& name) {
  return std::string(GONGKAI_SOURCE_DIR) + "/tests/testdata/" + name;
}

// The seed report (一市镇, 2019) from its JSON fixture.
inline v1::Report SeedReport() {
  v1::Report report;
  auto status = google::protobuf::util::JsonStringToMessage(
      ReadFile(TestData("2019_town_yishi.json")), &report);
  EXPECT_TRUE(status.ok()) << status;
  return report;
}

inline v1::Region MakeRegion(const std::string& code, const std::string& name, v1::Level level,
                             const std::string& parent) {
  v1::Region region;
  region.set_code(code);
  region.set_name(name);
  region.set_level(level);
  region.set_parent_code(parent);
  return region;
}

// A slice of the real registry: the nation, 浙江省, 宁波市, 宁海县 with two townships, and
// 广东省 > 东莞市 with a township hung straight under the city.
inline std::vector<v1::Region> SmallRegistry() {
  return {
      MakeRegion("000000000000", "全国", v1::LEVEL_NATION, ""),
      MakeRegion("330000000000", "浙江省", v1::LEVEL_PROVINCE, "000000000000"),
      MakeRegion("330200000000", "宁波市", v1::LEVEL_PREFECTURE, "330000000000"),
      MakeRegion("330226000000", "宁海县", v1::LEVEL_COUNTY, "330200000000"),
      MakeRegion("330226104000", "一市镇", v1::LEVEL_TOWNSHIP, "330226000000"),
      MakeRegion("330226001000", "跃龙街道", v1::LEVEL_TOWNSHIP, "330226000000"),
      MakeRegion("440000000000", "广东省", v1::LEVEL_PROVINCE, "000000000000"),
      MakeRegion("441900000000", "东莞市", v1::LEVEL_PREFECTURE, "440000000000"),
      MakeRegion("441900003000", "东城街道", v1::LEVEL_TOWNSHIP, "441900000000"),
  };
}

// A well-formed 统一社会信用代码 of a state organ (check character computed by hand).
inline constexpr char kBodyCode[] = "11100000000013127D";

// A repeated field of messages, for the APIs that take one.
template <typename T>
google::protobuf::RepeatedPtrField<T> Repeated(std::initializer_list<T> items) {
  return google::protobuf::RepeatedPtrField<T>(items.begin(), items.end());
}

}  // namespace gongkai::testing

#endif  // GONGKAI_TESTS_TEST_UTIL_H_
