#include "worker/peers.h"

#include <algorithm>
#include <cmath>

namespace gongkai::worker {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

std::optional<double> ModifiedZ(double x, const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  const double median = Median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  double sum = 0;
  for (double v : values) {
    deviations.push_back(std::abs(v - median));
    sum += std::abs(v - median);
  }
  const double mad = Median(deviations);
  if (mad > 0) return 0.6745 * (x - median) / mad;
  const double mean_deviation = sum / static_cast<double>(values.size());
  if (mean_deviation > 0) return (x - median) / (1.253314 * mean_deviation);
  return std::nullopt;
}

}  // namespace gongkai::worker
