// A report's compact parts in the model (worker/model.h): its section 五 shingles and its cells.
#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "worker/model.h"

namespace gongkai::worker {

ShingleSet::ShingleSet(const std::vector<uint32_t>& hashes) : size_(hashes.size()) {
  if (hashes.empty()) return;
  std::shared_ptr<uint32_t[]> data = std::make_shared_for_overwrite<uint32_t[]>(hashes.size());
  std::copy(hashes.begin(), hashes.end(), data.get());
  data_ = std::move(data);
}

CellVector::CellVector(const google::protobuf::RepeatedField<int32_t>& indices,
                       const google::protobuf::RepeatedField<int64_t>& values) {
  // Indices come from CellsOf (a few hundred), ascending; one out of range is no cell of the
  // edition, and an unsorted digest (not one this store wrote) is sorted here.
  std::vector<std::pair<int, int64_t>> cells;
  const int n = std::min(indices.size(), values.size());
  cells.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (indices[i] >= 0 && indices[i] <= std::numeric_limits<uint16_t>::max()) {
      cells.emplace_back(indices[i], values[i]);
    }
  }
  if (!std::is_sorted(cells.begin(), cells.end())) std::sort(cells.begin(), cells.end());
  wide_ = !std::all_of(cells.begin(), cells.end(), [](const auto& cell) {
    return cell.second >= std::numeric_limits<int32_t>::min() &&
           cell.second <= std::numeric_limits<int32_t>::max();
  });
  size_ = static_cast<uint32_t>(cells.size());
  if (size_ == 0) return;
  data_ = std::make_unique_for_overwrite<uint8_t[]>(Bytes());
  auto* kept_indices = reinterpret_cast<uint16_t*>(data_.get());
  uint8_t* kept_values = data_.get() + ValuesOffset(size_);
  for (size_t i = 0; i < cells.size(); ++i) {
    kept_indices[i] = static_cast<uint16_t>(cells[i].first);
    if (wide_) {
      reinterpret_cast<int64_t*>(kept_values)[i] = cells[i].second;
    } else {
      reinterpret_cast<int32_t*>(kept_values)[i] = static_cast<int32_t>(cells[i].second);
    }
  }
}

CellVector::CellVector(const CellVector& other) : size_(other.size_), wide_(other.wide_) {
  if (other.data_ == nullptr) return;
  data_ = std::make_unique_for_overwrite<uint8_t[]>(Bytes());
  std::memcpy(data_.get(), other.data_.get(), Bytes());
}

CellVector& CellVector::operator=(const CellVector& other) {
  if (this != &other) *this = CellVector(other);
  return *this;
}

CellVector::CellVector(CellVector&& other) noexcept
    : data_(std::move(other.data_)),
      size_(std::exchange(other.size_, 0)),
      wide_(std::exchange(other.wide_, false)) {}

CellVector& CellVector::operator=(CellVector&& other) noexcept {
  data_ = std::move(other.data_);
  size_ = std::exchange(other.size_, 0);
  wide_ = std::exchange(other.wide_, false);
  return *this;
}

bool CellVector::operator==(const CellVector& other) const {
  if (size_ != other.size_ || !std::equal(indices(), indices() + size_, other.indices())) {
    return false;
  }
  for (size_t i = 0; i < size_; ++i) {
    if (Value(i) != other.Value(i)) return false;
  }
  return true;
}

std::optional<int64_t> CellVector::Find(int index) const {
  const uint16_t* end = indices() + size_;
  const uint16_t* it = std::lower_bound(indices(), end, index);
  if (it == end || *it != index) return std::nullopt;
  return Value(static_cast<size_t>(it - indices()));
}

}  // namespace gongkai::worker
