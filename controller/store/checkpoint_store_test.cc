// Checkpoints in a real PostgreSQL: chunked round trip, content addressing,
// garbage collection of what no individual references.
#include "controller/store/checkpoint_store.h"

#include <random>

#include "common/rpc/sha256.h"
#include "controller/store/migrated_test_database.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    store_ = std::make_unique<CheckpointStore>(db_.get());
  }

  // Uploads `bytes` in chunks of `chunk` bytes.
  absl::StatusOr<StoredCheckpoint> Put(const std::string& bytes, size_t chunk) {
    size_t offset = 0;
    return store_->Put([&]() -> absl::StatusOr<std::optional<std::string>> {
      if (offset >= bytes.size()) return std::optional<std::string>();
      std::string piece = bytes.substr(offset, chunk);
      offset += chunk;
      return std::optional<std::string>(piece);
    });
  }

  std::string Get(const std::string& digest) {
    std::string out;
    EXPECT_TRUE(store_->Get(digest, [&](const std::string& c) {
                        out += c;
                        return absl::OkStatus();
                      }).ok());
    return out;
  }

  int Count(const std::string& table) {
    int n = 0;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                      n = txn.exec1("SELECT count(*) FROM " + table)[0].as<int>();
                      return absl::OkStatus();
                    }).ok());
    return n;
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<CheckpointStore> store_;
};

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(CheckpointStoreTest, ChunkedRoundTripIsContentAddressed) {
  const std::string bytes = RandomBytes(3 * 1000 * 1000 + 17, 1);  // Binary, with zeros.
  auto stored = Put(bytes, 1 << 20);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->digest, Sha256Digest(bytes));
  EXPECT_EQ(stored->size_bytes, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(Get(stored->digest), bytes);
  EXPECT_EQ(Count("checkpoint_chunks"), 3);

  // The same content in other chunk sizes is stored once.
  auto again = Put(bytes, 300000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, stored->digest);
  EXPECT_EQ(Count("checkpoints"), 1);
  EXPECT_EQ(Count("checkpoint_chunks"), 3);
}

TEST_F(CheckpointStoreTest, FailedUploadStoresNothing) {
  int calls = 0;
  auto stored = store_->Put([&]() -> absl::StatusOr<std::optional<std::string>> {
    if (++calls == 3) return absl::CancelledError("client went away");
    return std::optional<std::string>(RandomBytes(1000, calls));
  });
  EXPECT_EQ(stored.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Count("checkpoints"), 0);
  EXPECT_EQ(Count("checkpoint_chunks"), 0);
}

TEST_F(CheckpointStoreTest, UnknownDigestIsNotFound) {
  const absl::Status s = store_->Get("sha256:" + std::string(64, '0'),
                                     [](const std::string&) { return absl::OkStatus(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST_F(CheckpointStoreTest, GarbageCollectionKeepsReferencedAndYoungCheckpoints) {
  auto kept = Put("weights of a live individual", 7);
  auto dropped = Put("weights nobody needs", 7);
  ASSERT_TRUE(kept.ok() && dropped.ok());
  ASSERT_TRUE(db_->Transact([&](pqxx::work& txn) {
                    txn.exec(
                        "INSERT INTO searches (name, spec_text, strategy, seed, budget, state) "
                        "VALUES ('s', '', 'nash', 0, 1, 'running')");
                    txn.exec_params(
                        "INSERT INTO individuals (search_id, birth_order, genome, genome_hash, "
                        "mutation, seed, state, checkpoint_digest) VALUES ((SELECT id FROM "
                        "searches), 0, 'g', 'h', 'start', 0, 'evaluated', $1)",
                        kept->digest);
                    return absl::OkStatus();
                  }).ok());
  // Young unreferenced checkpoints survive (their report may be on its way).
  EXPECT_EQ(*store_->CollectGarbage(absl::Minutes(10)), 0);
  EXPECT_EQ(*store_->CollectGarbage(absl::ZeroDuration()), 1);
  EXPECT_EQ(Get(kept->digest), "weights of a live individual");
  EXPECT_EQ(store_->Get(dropped->digest, [](const std::string&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("checkpoint_chunks"), 4);  // Only the kept one's 4 chunks of 7 bytes.
}

}  // namespace
}  // namespace nas
