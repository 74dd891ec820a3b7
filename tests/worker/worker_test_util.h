// Helpers for the worker tests: the real national registry as a tree, and revisions built
// cell by cell (by field path) with their audit times.
#ifndef GONGKAI_TESTS_WORKER_WORKER_TEST_UTIL_H_
#define GONGKAI_TESTS_WORKER_WORKER_TEST_UTIL_H_

#include <map>
#include <string>

#include "absl/time/civil_time.h"
#include "common/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "proto/cells.h"
#include "registry/registry.h"
#include "worker/model.h"

namespace gongkai::worker::testing {

// The time-valid national registry from data/regions (built once per test binary).
inline const registry::TimedRegistry& NationalRegistry() {
  static const std::shared_ptr<const registry::TimedRegistry>* registry = [] {
    auto histories = registry::ReadRegistryDir(std::string(GONGKAI_SOURCE_DIR) + "/data/regions");
    EXPECT_TRUE(histories.ok()) << histories.status();
    auto built = registry::TimedRegistry::Build(*std::move(histories));
    EXPECT_TRUE(built.ok()) << built.status();
    return new std::shared_ptr<const registry::TimedRegistry>(*built);
  }();
  return **registry;
}

// The worker's tree of a year of the national registry (`year` 0: the 2023 edition's, of no
// year in particular).
inline std::shared_ptr<const RegionTree> NationalTree(int year = 0) {
  static auto* trees = new std::map<int, std::shared_ptr<const RegionTree>>();
  auto& tree = (*trees)[year];
  if (tree == nullptr) {
    std::vector<v1::Region> regions;
    for (const v1::Region* region : NationalRegistry().Tree(year == 0 ? 2023 : year)->regions()) {
      regions.push_back(*region);
    }
    auto built = RegionTree::Build(std::move(regions), year);
    EXPECT_TRUE(built.ok()) << built.status();
    tree = *built;
  }
  return tree;
}

inline absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, 12, 0, 0), ReportingZone());
}

struct RevisionSpec {
  std::string region;
  int year = 2021;
  v1::Edition edition = v1::EDITION_2021;
  std::map<std::string, int64_t> cells;  // field path → value
  int64_t revision = 1;
  std::string body;
  v1::Scope scope = v1::SCOPE_OWN;
  absl::Time filed = Day(2022, 1, 10);
  std::string publication_date;
  std::string problems;                      // narrative section 五
  std::string overview;                      // narrative section 一
  std::vector<std::string> violation_rules;  // stored verdict (lenient flags)
};

inline v1::Revision Rev(const RevisionSpec& spec) {
  v1::Revision revision;
  revision.mutable_key()->set_region_code(spec.region);
  revision.mutable_key()->set_year(spec.year);
  revision.mutable_key()->set_body(spec.body);
  revision.mutable_key()->set_scope(spec.scope);
  revision.set_revision(spec.revision);
  v1::Report* report = revision.mutable_report();
  *report->mutable_key() = revision.key();
  report->set_edition(spec.edition);
  report->set_publication_date(spec.publication_date);
  report->mutable_narrative()->set_problems(spec.problems);
  report->mutable_narrative()->set_overview(spec.overview);
  for (const auto& [path, value] : spec.cells) {
    const int i = FindCell(spec.edition, path);
    EXPECT_GE(i, 0) << path;
    if (i >= 0) SetCell(report, CellsOf(spec.edition)[i], value);
  }
  const auto time = ToProtoTime(spec.filed);
  *revision.mutable_create_time() = time;
  *revision.mutable_first_create_time() = time;
  for (const std::string& rule : spec.violation_rules) {
    v1::Violation* v = revision.mutable_verdict()->add_violations();
    v->set_rule(rule);
    v->set_rule_name(RuleName(rule));
    v->set_severity(v1::SEVERITY_ERROR);
    v->set_expected("3");
    v->set_actual("2");
    v->add_cells()->set_field_path("table3.new_requests.total");
  }
  return revision;
}

}  // namespace gongkai::worker::testing

#endif  // GONGKAI_TESTS_WORKER_WORKER_TEST_UTIL_H_
