// A report's compact parts in the model (worker/model.h): its section 五 shingles and its cells.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include "worker/model.h"

namespace gongkai::worker {

ShingleSet::ShingleSet(const std::vector<uint32_t>& hashes, int chars)
    : size_(static_cast<uint32_t>(hashes.size())), chars_(chars) {
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
  auto by_index = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(cells.begin(), cells.end(), by_index)) {
    std::stable_sort(cells.begin(), cells.end(), by_index);
  }
  // Of an index given twice, the last value stays.
  auto last = std::unique(cells.rbegin(), cells.rend(),
                          [](const auto& a, const auto& b) { return a.first == b.first; });
  cells.erase(cells.begin(), last.base());
  if (cells.empty()) return;
  int64_t low = 0;
  int64_t high = 0;
  for (const auto& [index, value] : cells) {
    low = std::min(low, value);
    high = std::max(high, value);
  }
  auto fits = [low, high](auto narrow) {
    using T = decltype(narrow);
    return low >= std::numeric_limits<T>::min() && high <= std::numeric_limits<T>::max();
  };
  width_ = fits(int8_t{}) ? 1 : fits(int16_t{}) ? 2 : fits(int32_t{}) ? 4 : 8;
  words_ = static_cast<uint16_t>(cells.back().first / 64 + 1);
  size_ = static_cast<uint32_t>(cells.size());
  data_ = std::make_unique_for_overwrite<uint8_t[]>(Bytes());
  auto* bitmap = reinterpret_cast<uint64_t*>(data_.get());
  std::fill(bitmap, bitmap + words_, 0);
  for (const auto& [index, value] : cells) bitmap[index / 64] |= uint64_t{1} << (index % 64);
  ByWidth(width_, [&](auto type) {
    using T = typename decltype(type)::type;
    auto* kept = reinterpret_cast<T*>(value_bytes());
    for (size_t i = 0; i < cells.size(); ++i) kept[i] = static_cast<T>(cells[i].second);
  });
}

CellVector::CellVector(const CellVector& other)
    : size_(other.size_), words_(other.words_), width_(other.width_) {
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
      words_(std::exchange(other.words_, 0)),
      width_(std::exchange(other.width_, 0)) {}

CellVector& CellVector::operator=(CellVector&& other) noexcept {
  data_ = std::move(other.data_);
  size_ = std::exchange(other.size_, 0);
  words_ = std::exchange(other.words_, 0);
  width_ = std::exchange(other.width_, 0);
  return *this;
}

bool CellVector::operator==(const CellVector& other) const {
  // The layout is canonical (the bitmap as long as the highest index needs, the narrowest
  // width), so equal cells are equal bytes.
  return size_ == other.size_ && words_ == other.words_ && width_ == other.width_ &&
         (size_ == 0 || std::memcmp(data_.get(), other.data_.get(), Bytes()) == 0);
}

size_t CellVector::Rank(int index) const {
  const size_t word = static_cast<size_t>(index) / 64;
  size_t rank = 0;
  for (size_t w = 0; w < word; ++w) rank += std::popcount(bitmap()[w]);
  const uint64_t below = (uint64_t{1} << (index % 64)) - 1;
  return rank + std::popcount(bitmap()[word] & below);
}

std::optional<int64_t> CellVector::Find(int index) const {
  if (index < 0 || static_cast<size_t>(index) / 64 >= words_) return std::nullopt;
  if ((bitmap()[index / 64] & (uint64_t{1} << (index % 64))) == 0) return std::nullopt;
  return Value(Rank(index));
}

}  // namespace gongkai::worker
