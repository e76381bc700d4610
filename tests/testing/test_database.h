// A fresh, empty PostgreSQL database per test, on the throwaway server the
// test script starts (its admin DSN arrives in NAS_TEST_PG_DSN).
#ifndef NAS_TESTS_TESTING_TEST_DATABASE_H_
#define NAS_TESTS_TESTING_TEST_DATABASE_H_

#include <string>

namespace nas::testing {

class TestDatabase {
 public:
  // Creates the database; aborts the test binary with a clear message if
  // NAS_TEST_PG_DSN is unset or the server is unreachable.
  TestDatabase();
  // The same on the server `admin_dsn` names.
  explicit TestDatabase(std::string admin_dsn);
  // Drops the database (terminating leftover connections).
  ~TestDatabase();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // libpq connection string of the new database.
  const std::string& dsn() const { return dsn_; }

 private:
  std::string admin_dsn_;
  std::string name_;
  std::string dsn_;
};

// Reads an environment variable the test script must set, or aborts.
std::string RequiredEnv(const char* name);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_TEST_DATABASE_H_
