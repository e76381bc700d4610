// GoogleTest assertions on absl::Status and absl::StatusOr that stop the test
// at once and print the status (Debian's Abseil 20220623 ships none).
#ifndef NAS_TESTS_TESTING_STATUS_ASSERTIONS_H_
#define NAS_TESTS_TESTING_STATUS_ASSERTIONS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace nas::testing::internal {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace nas::testing::internal

#define NAS_TESTING_CONCAT_INNER_(a, b) a##b
#define NAS_TESTING_CONCAT_(a, b) NAS_TESTING_CONCAT_INNER_(a, b)

// `ASSERT_OK(cluster.StartController());` fails the test with the status
// unless it is OK. Takes an absl::Status or an absl::StatusOr.
#define ASSERT_OK(expr)                                                         \
  do {                                                                          \
    const auto& _nas_assert_ok = (expr);                                        \
    ASSERT_TRUE(::nas::testing::internal::StatusOf(_nas_assert_ok).ok())        \
        << #expr << ": " << ::nas::testing::internal::StatusOf(_nas_assert_ok); \
  } while (0)

// `ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));`
// declares `id` from an OK StatusOr, or fails the test with its status.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  NAS_ASSERT_OK_AND_ASSIGN_IMPL_(NAS_TESTING_CONCAT_(_nas_statusor_, __LINE__), lhs, rexpr)

#define NAS_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)         \
  auto statusor = (rexpr);                                           \
  ASSERT_TRUE(statusor.ok()) << #rexpr << ": " << statusor.status(); \
  lhs = std::move(statusor).value()

#endif  // NAS_TESTS_TESTING_STATUS_ASSERTIONS_H_
