// The early-return idioms for absl::Status and absl::StatusOr (Abseil 20220623 has none).
//
//   GONGKAI_RETURN_IF_ERROR(store->Write(&batch));
//   GONGKAI_ASSIGN_OR_RETURN(v1::Revision head, store->GetRevision(key, 0));
//   GONGKAI_ASSIGN_OR_RETURN(auto page, ListPage(...));
#ifndef GONGKAI_COMMON_STATUS_MACROS_H_
#define GONGKAI_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` (an absl::Status) from the enclosing function unless it is OK.
#define GONGKAI_RETURN_IF_ERROR(expr)                                          \
  do {                                                                         \
    if (absl::Status _gk_status = (expr); !_gk_status.ok()) return _gk_status; \
  } while (0)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status unless it is OK, else moves its
// value into `lhs` (a declaration such as `auto x` or an existing variable).
#define GONGKAI_ASSIGN_OR_RETURN(lhs, expr) \
  GONGKAI_ASSIGN_OR_RETURN_IMPL_(GONGKAI_STATUS_CONCAT_(_gk_statusor_, __LINE__), lhs, expr)

#define GONGKAI_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = *std::move(statusor)

#define GONGKAI_STATUS_CONCAT_INNER_(a, b) a##b
#define GONGKAI_STATUS_CONCAT_(a, b) GONGKAI_STATUS_CONCAT_INNER_(a, b)

#endif  // GONGKAI_COMMON_STATUS_MACROS_H_
