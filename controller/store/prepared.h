// Statements run as prepared statements of the transaction's connection:
// PostgreSQL parses and plans each once per pooled connection instead of on
// every call (a lease and a report run about twenty). libpqxx registers a
// statement with the server on its first use on a connection; preparing the
// same text again is a map lookup. Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_PREPARED_H_
#define NAS_CONTROLLER_STORE_PREPARED_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"

namespace nas {

// The statement's name on every connection: from its text, so call sites
// need no registry.
inline std::string PreparedName(const std::string& sql) {
  return absl::StrCat("nas_", std::hash<std::string>()(sql));
}

template <typename... Args>
pqxx::result ExecPrepared(pqxx::work& txn, const std::string& sql, Args&&... args) {
  const std::string name = PreparedName(sql);
  txn.conn().prepare(name, sql);
  return txn.exec_prepared(name, std::forward<Args>(args)...);
}

// Exactly one row, as exec_params1.
template <typename... Args>
pqxx::row ExecPrepared1(pqxx::work& txn, const std::string& sql, Args&&... args) {
  const std::string name = PreparedName(sql);
  txn.conn().prepare(name, sql);
  return txn.exec_prepared1(name, std::forward<Args>(args)...);
}

// As ExecPrepared, in any kind of transaction, e.g. the
// pqxx::nontransaction of Database::RunAlone.
template <typename... Args>
pqxx::result ExecPreparedIn(pqxx::transaction_base& txn, const std::string& sql, Args&&... args) {
  const std::string name = PreparedName(sql);
  txn.conn().prepare(name, sql);
  return txn.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_PREPARED_H_
