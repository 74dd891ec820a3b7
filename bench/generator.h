// A deterministic national year of reports for the benchmarks (issue 6).
//
// Every region of the registry (the nation and the placeholders excepted) publishes its
// government's own report, and every county, prefecture and province has departments (10, 15
// and 20 by default) publishing theirs, keyed by a valid 统一社会信用代码. Reports are on
// both editions (a tenth on the 2019 tables), with sparse zero-inflated counts consistent
// with R1–R4, and a small share (2%) breaking a rule, submitted leniently as an importer
// would. Narratives are of realistic length for the level (about 1.5 KB for a township, 3 KB
// for a department, 6 KB for a county and above).
//
// Report i of year y is a pure function of (seed, i, y): any process makes the same bytes.
// The order of the reports is a fixed shuffle, so any slice is a sample of the whole nation.
#ifndef GONGKAI_BENCH_GENERATOR_H_
#define GONGKAI_BENCH_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gongkai/v1/region.pb.h"
#include "gongkai/v1/report_service.pb.h"

namespace gongkai::bench {

struct GeneratorOptions {
  uint32_t seed = 2021;
  int departments_per_county = 10;
  int departments_per_prefecture = 15;
  int departments_per_province = 20;
  // Use only the first N publishing regions of the registry (0: all); for smoke runs.
  int region_limit = 0;
};

// The tree of `year` of the registry in data/regions (or `dir`): a year's reports are those of
// the regions in use that year.
absl::StatusOr<std::vector<v1::Region>> ReadRegions(const std::string& dir, int year);

// The source tree's registry directory.
std::string DefaultRegistryDir();

class Generator {
 public:
  Generator(const std::vector<v1::Region>& regions, GeneratorOptions options = {});

  // Reports per year.
  size_t size() const { return publishers_.size(); }
  // How many of them are departments'.
  size_t departments() const { return departments_; }

  // The submit request of report i (0 <= i < size()) of `year`: strict, or lenient when it
  // breaks a rule or is on the 2019 tables in 2021 or later. `revision_salt` != 0 changes a
  // few values (a resubmission of the same key).
  v1::SubmitReportRequest Make(size_t i, int year, uint32_t revision_salt = 0) const;

  // Whether report i of `year` breaks one of R1–R4 on purpose.
  bool BreaksRule(size_t i, int year) const;

  // The regions in the order used (publishing regions only).
  const std::vector<v1::Region>& regions() const { return regions_; }

 private:
  struct Publisher {
    int region;      // index into regions_
    int department;  // -1: the government's own report
  };
  GeneratorOptions options_;
  std::vector<v1::Region> regions_;
  std::vector<Publisher> publishers_;
  size_t departments_ = 0;
};

// A valid 统一社会信用代码 for department `n` of the region (category 11: 机关).
std::string DepartmentCode(const std::string& region_code, int n);

// Whether every rule R1–R4 of the report's edition holds (blank cells count as zero).
bool SatisfiesRules(const v1::Report& report);

// Percentile p (0..1) of sorted values (0 if empty).
double Percentile(const std::vector<double>& sorted, double p);

// The generator the flags --registry_dir, --regions and --departments_per_{county,
// prefecture,province} describe (bench/generator_flags.cc); exits 2, naming `program`, when the
// registry cannot be read. With `all`, also the whole registry.
Generator GeneratorFromFlags(const char* program, int year,
                             std::vector<v1::Region>* all = nullptr);

}  // namespace gongkai::bench

#endif  // GONGKAI_BENCH_GENERATOR_H_
