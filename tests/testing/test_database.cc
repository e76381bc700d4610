#include "tests/testing/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"

namespace nas::testing {

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::cerr << "environment variable " << name << " is not set: run tests through scripts/test.sh"
              << std::endl;
    std::abort();
  }
  return value;
}

TestDatabase::TestDatabase() : TestDatabase(RequiredEnv("NAS_TEST_PG_DSN")) {}

TestDatabase::TestDatabase(std::string admin_dsn) : admin_dsn_(std::move(admin_dsn)) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  name_ = absl::StrCat("t_", getpid(), "_", counter++, "_", rd() % 100000);
  try {
    pqxx::connection admin(admin_dsn_);
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("CREATE DATABASE ", name_));
  } catch (const std::exception& e) {
    std::cerr << "cannot create test database: " << e.what() << std::endl;
    std::abort();
  }
  dsn_ = absl::StrCat(admin_dsn_, " dbname=", name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_dsn_);
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception& e) {
    std::cerr << "warning: cannot drop test database " << name_ << ": " << e.what() << std::endl;
  }
}

}  // namespace nas::testing
