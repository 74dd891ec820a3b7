// Robust statistics among peers (PEER_OUTLIER): the modified z-score of Iglewicz and Hoaglin,
// which uses the median and the median absolute deviation (MAD) instead of the mean and the
// standard deviation, so sparse, zero-inflated counts do not make every non-zero value an
// outlier.
#ifndef GONGKAI_WORKER_PEERS_H_
#define GONGKAI_WORKER_PEERS_H_

#include <optional>
#include <vector>

namespace gongkai::worker {

double Median(std::vector<double> values);

// The modified z-score of `x` among `values` (which include x): 0.6745 (x − median) / MAD;
// when MAD is 0 (more than half the values equal), (x − median) / (1.253314 · mean absolute
// deviation); nullopt when that is 0 too (no spread to measure against).
std::optional<double> ModifiedZ(double x, const std::vector<double>& values);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_PEERS_H_
