// The generator's command-line flags, shared by load_client and pg_bench.
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "bench/generator.h"

ABSL_FLAG(std::string, registry_dir, "", "Registry directory (default: the source tree's).");
ABSL_FLAG(int, regions, 0, "Use only the first N regions of the registry (smoke runs).");
ABSL_FLAG(int, departments_per_county, 10, "Departments per county.");
ABSL_FLAG(int, departments_per_prefecture, 15, "Departments per prefecture.");
ABSL_FLAG(int, departments_per_province, 20, "Departments per province.");

namespace gongkai::bench {

Generator GeneratorFromFlags(const char* program, int year, std::vector<v1::Region>* all) {
  std::string dir = absl::GetFlag(FLAGS_registry_dir);
  if (dir.empty()) dir = DefaultRegistryDir();
  auto regions = ReadRegions(dir, year);
  if (!regions.ok()) {
    std::cerr << program << ": " << regions.status() << "\n";
    std::exit(2);
  }
  if (all != nullptr) *all = *regions;
  GeneratorOptions options;
  options.region_limit = absl::GetFlag(FLAGS_regions);
  options.departments_per_county = absl::GetFlag(FLAGS_departments_per_county);
  options.departments_per_prefecture = absl::GetFlag(FLAGS_departments_per_prefecture);
  options.departments_per_province = absl::GetFlag(FLAGS_departments_per_province);
  return Generator(*regions, options);
}

}  // namespace gongkai::bench
