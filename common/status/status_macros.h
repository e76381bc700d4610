// Early-return helpers for absl::Status / absl::StatusOr (Debian's Abseil
// 20220623 ships none).
#ifndef NAS_COMMON_STATUS_STATUS_MACROS_H_
#define NAS_COMMON_STATUS_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NAS_STATUS_CONCAT_INNER_(a, b) a##b
#define NAS_STATUS_CONCAT_(a, b) NAS_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    const absl::Status _nas_status = (expr);   \
    if (!_nas_status.ok()) return _nas_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from an OK StatusOr or
// returns its status.
#define ASSIGN_OR_RETURN(lhs, rexpr)                                         \
  ASSIGN_OR_RETURN_IMPL_(NAS_STATUS_CONCAT_(_nas_statusor_, __LINE__), lhs, \
                         rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // NAS_COMMON_STATUS_STATUS_MACROS_H_
