// The database directory: open, replay, checkpoints and their publication,
// compaction alongside appends, locks, damage, and I/O faults at every step
// of a checkpoint.
#include "recovery/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "fault_injection/fault_env.h"
#include "recovery/manifest.h"
#include "tests/support/graph_fixture.h"
#include "wal/log.h"
#include "wal/mem_env.h"

namespace aim::recovery {
namespace {

constexpr char kDb[] = "/db";

std::string Source(int i, int variant) {
  return "pub struct S" + std::to_string(i) + ";\n" +
         "pub trait T" + std::to_string(i % 3) + " { fn go(&self); }\n" +
         "impl T" + std::to_string(i % 3) + " for S" + std::to_string(i) +
         " { fn go(&self) { helper_" + std::to_string(variant) + "(); } }\n" +
         "pub fn helper_" + std::to_string(variant) + "() {}\n" +
         "pub fn f" + std::to_string(i) + "() { helper_" +
         std::to_string(variant) + "(); crate::m0::f0(); }\n";
}

graph::FileInput File(int i, int variant) {
  const std::string path =
      i == 0 ? "src/lib.rs" : "src/m" + std::to_string(i) + ".rs";
  return aim::testing::FromSources("demo", {{path, Source(i, variant)}})[0];
}

// A reference graph that applies the same mutations directly.
struct Model {
  graph::Graph g;
  std::string root;
  void Apply(const Mutation& m) { ApplyMutation(m, g, &root); }
};

Mutation Upsert(int i, int variant) {
  Mutation m;
  m.upserts.push_back(File(i, variant));
  return m;
}
Mutation Removal(int i) {
  Mutation m;
  m.removals.push_back(i == 0 ? "src/lib.rs" : "src/m" + std::to_string(i) + ".rs");
  return m;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir(kDb).ok());
    options_.env = &env_;
    options_.log.segment_bytes = 8192;
  }

  std::unique_ptr<Store> Open(Recovered* r, wal::Env* env = nullptr) {
    StoreOptions o = options_;
    if (env) o.env = env;
    auto s = Store::Open(kDb, o, r);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Appends a random stream of edits to both the store and the model.
  void Edits(Store& store, Model& model, int n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int k = 0; k < n; ++k) {
      int i = static_cast<int>(rng() % 8);
      Mutation m = rng() % 5 == 0 ? Removal(i) : Upsert(i, static_cast<int>(rng() % 4));
      auto lsn = store.Append({&m, 1});
      ASSERT_TRUE(lsn.ok()) << lsn.status();
      model.Apply(m);
    }
  }

  // `before` edits, a checkpoint of them, then `after` more (seeds `seed`
  // and `seed` + 1). Returns the last LSN.
  uint64_t EditsAroundACheckpoint(Model& model, int before, int after,
                                  uint64_t seed) {
    Recovered r;
    auto store = Open(&r);
    if (!store) return 0;
    Edits(*store, model, before, seed);
    EXPECT_TRUE(store->Compact().ok());
    Edits(*store, model, after, seed + 1);
    return store->log_stats().last_lsn;
  }

  // Appends `m` to the log by itself, its encoding cut short by `cut`
  // bytes and keyed with `key`, after `last` (the log's last LSN), which
  // it then updates.
  void AppendRecord(const Mutation& m, size_t cut, std::string_view key,
                    uint64_t& last) {
    std::string payload;
    EncodeMutation(m, &payload);
    payload.resize(payload.size() - cut);
    const std::string_view payloads[] = {payload}, keys[] = {key};
    auto log = wal::Log::Open(&env_, std::string(kDb) + "/wal", options_.log,
                              last, [](uint64_t, std::string_view) {
                                return absl::OkStatus();
                              });
    ASSERT_TRUE(log.ok()) << log.status();
    auto lsn = (*log)->Append(payloads, keys);
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    last = *lsn;
  }

  // Flips a bit in the middle of the checkpoint of `lsn`, which Open must
  // then refuse, naming the file. Returns the file's intact bytes.
  std::string DamageCheckpoint(uint64_t lsn) {
    const std::string ckpt = std::string(kDb) + "/" + CheckpointFileName(lsn);
    std::string bytes;
    EXPECT_TRUE(env_.GetContents(ckpt, &bytes).ok()) << ckpt;
    if (bytes.empty()) return bytes;
    std::string damaged = bytes;
    damaged[damaged.size() / 2] ^= 1;
    EXPECT_TRUE(env_.SetContents(ckpt, damaged).ok());
    Recovered r;
    auto s = Store::Open(kDb, options_, &r);
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
    EXPECT_NE(s.status().message().find(ckpt), absl::string_view::npos)
        << s.status();
    return bytes;
  }

  wal::MemEnv env_;
  StoreOptions options_;
};

// One of the mutations a log holds: a save, a removal, both of a path in
// one mutation (it ends up upserted), two files at once, a new root.
Mutation RandomMutation(std::mt19937_64& rng, int k) {
  const int i = static_cast<int>(rng() % 6);
  Mutation m = rng() % 4 == 0 ? Removal(i) : Upsert(i, static_cast<int>(rng() % 4));
  if (rng() % 5 == 0) {
    Mutation both = Upsert(i, static_cast<int>(rng() % 4));
    both.removals = Removal(i).removals;
    m = std::move(both);
  }
  if (rng() % 5 == 0) m.upserts.push_back(File((i + 1) % 6, static_cast<int>(rng() % 4)));
  if (rng() % 7 == 0) m.root = "/root/" + std::to_string(k);
  return m;
}

// Folding a stream of mutations (what replay does) has the same effect as
// applying them one by one: same graph, same root. Also through the
// encoded records replay reads (AddEncoded), and through records as the
// log stores them, saves keyed with their path (AddRecord): saves of one
// file are kept encoded (or packed) and only the last of each file is
// decoded; the rest is decoded as it comes.
TEST(MutationFoldTest, EqualsApplyingOneByOne) {
  for (int how : {0, 1, 2}) {
    const bool encoded = how > 0;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      std::mt19937_64 rng(seed);
      Model one_by_one, folded;
      MutationFold fold;
      const int n = 1 + static_cast<int>(rng() % 40);
      for (int k = 0; k < n; ++k) {
        Mutation m = RandomMutation(rng, k);
        one_by_one.Apply(m);
        if (encoded) {
          std::string bytes;
          EncodeMutation(m, &bytes);
          const uint64_t lsn = static_cast<uint64_t>(k + 1);
          if (how == 1) {
            ASSERT_TRUE(fold.AddEncoded(lsn, bytes).ok());
          } else {
            wal::RecordView r;
            r.lsn = lsn;
            r.key = MutationKey(m);
            r.body = {bytes, static_cast<uint32_t>(bytes.size()), false};
            ASSERT_TRUE(fold.AddRecord(r).ok());
          }
        } else {
          fold.Add(std::move(m));
        }
      }
      EXPECT_EQ(fold.added(), static_cast<size_t>(n));
      absl::StatusOr<Mutation> all = fold.Take();
      ASSERT_TRUE(all.ok()) << all.status();
      EXPECT_EQ(fold.added(), 0u);
      EXPECT_LE(all->upserts.size() + all->removals.size(), 6u);  // once per path
      EXPECT_TRUE(std::is_sorted(all->removals.begin(), all->removals.end()));
      folded.Apply(*all);
      EXPECT_EQ(folded.g.Digest(), one_by_one.g.Digest()) << "seed " << seed;
      EXPECT_EQ(folded.root, one_by_one.root) << "seed " << seed;
      EXPECT_TRUE(fold.Take()->upserts.empty());
    }
  }
}

// A save whose facts do not decode (it passed its checksum: a bug, not a
// disk error) is an error naming its LSN if replay needs it, and costs
// nothing if a later save of the file replaced it.
TEST(MutationFoldTest, UndecodableSaveIsAnErrorOnlyIfItIsTheLast) {
  std::string good, bad;
  EncodeMutation(Upsert(1, 0), &good);
  bad = good;
  bad.resize(bad.size() - 3);  // facts cut short
  {
    MutationFold fold;
    ASSERT_TRUE(fold.AddEncoded(7, bad).ok());
    ASSERT_TRUE(fold.AddEncoded(8, good).ok());
    EXPECT_TRUE(fold.Take().ok());
  }
  MutationFold fold;
  ASSERT_TRUE(fold.AddEncoded(7, good).ok());
  ASSERT_TRUE(fold.AddEncoded(8, bad).ok());
  absl::StatusOr<Mutation> all = fold.Take();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss) << all.status();
  EXPECT_NE(all.status().message().find("LSN 8"), std::string_view::npos) << all.status();
}

// A record keyed with a path is trusted to be a save of that path (replay
// skips the saves a later one replaces by key alone); one that is not is
// DataLoss naming its LSN when replay needs it.
TEST(MutationFoldTest, KeyedRecordMustSaveItsKey) {
  std::string bytes;
  EncodeMutation(Upsert(1, 0), &bytes);
  for (std::string_view key : {"src/m2.rs", "src/other.rs"}) {
    MutationFold fold;
    wal::RecordView r;
    r.lsn = 9;
    r.key = key;
    r.body = {bytes, static_cast<uint32_t>(bytes.size()), false};
    ASSERT_TRUE(fold.AddRecord(r).ok());
    absl::StatusOr<Mutation> all = fold.Take();
    ASSERT_FALSE(all.ok());
    EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss) << all.status();
    EXPECT_NE(all.status().message().find("LSN 9"), std::string_view::npos)
        << all.status();
  }
}

TEST_F(StoreTest, ReplayRebuildsTheAcknowledgedGraph) {
  Model model;
  uint64_t last;
  {
    Recovered r;
    auto store = Open(&r);
    EXPECT_EQ(r.lsn, 0u);
    EXPECT_EQ(r.graph->file_count(), 0u);
    Edits(*store, model, 50, 1);
    last = store->log_stats().last_lsn;
    EXPECT_EQ(last, 50u);
  }
  Recovered r;
  auto store = Open(&r);
  EXPECT_EQ(r.lsn, last);
  EXPECT_EQ(r.info.replayed, 50u);
  EXPECT_EQ(r.graph->Digest(), model.g.Digest());
  EXPECT_GT(model.g.entity_count(), 0u);
}

TEST_F(StoreTest, CompactionPublishesACheckpointAndDropsSegments) {
  Model model;
  Recovered r;
  auto store = Open(&r);
  Edits(*store, model, 200, 2);
  const size_t segments = store->log_stats().segments;
  ASSERT_GT(segments, 2u);
  auto lsn = store->Compact();
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, 200u);
  EXPECT_LT(store->log_stats().segments, segments);
  Edits(*store, model, 20, 3);
  store.reset();

  Recovered again;
  store = Open(&again);
  EXPECT_EQ(again.info.checkpoint, CheckpointFileName(200));
  EXPECT_EQ(again.info.replayed, 20u);
  EXPECT_EQ(again.lsn, 220u);
  EXPECT_EQ(again.graph->Digest(), model.g.Digest());
  // A second compaction replaces the first checkpoint file.
  ASSERT_TRUE(store->Compact().ok());
  auto names = env_.ListDir(kDb);
  int checkpoints = 0;
  for (const std::string& n : *names) checkpoints += n.rfind("checkpoint-", 0) == 0;
  EXPECT_EQ(checkpoints, 1);
}

TEST_F(StoreTest, AReadOnlyOpenWithNothingToReplayLoadsForQueriesOnly) {
  Model model;
  ASSERT_EQ(EditsAroundACheckpoint(model, 40, 0, 4), 40u);
  StoreOptions ro = options_;
  ro.read_only = true;
  {
    Recovered r;
    auto reader = Store::Open(kDb, ro, &r);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ(r.info.replayed, 0u);
    EXPECT_TRUE(r.graph->query_only());
    EXPECT_EQ(r.graph->Digest(), model.g.Digest());
    EXPECT_EQ(r.lsn, 40u);
  }
  {
    Recovered r;
    auto writer = Open(&r);  // a writer may change the graph: all of it
    EXPECT_FALSE(r.graph->query_only());
    EXPECT_EQ(r.graph->Digest(), model.g.Digest());
    Edits(*writer, model, 3, 5);
  }
  Recovered r;
  auto reader = Store::Open(kDb, ro, &r);  // three records to replay
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(r.info.replayed, 3u);
  EXPECT_FALSE(r.graph->query_only());
  EXPECT_EQ(r.graph->Digest(), model.g.Digest());
}

TEST_F(StoreTest, CompactionRunsAlongsideAppends) {
  Model model;
  Recovered r;
  auto store = Open(&r);
  Edits(*store, model, 30, 4);
  std::thread compactor([&] {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Compact().ok());
  });
  Edits(*store, model, 100, 5);
  compactor.join();
  store.reset();
  Recovered again;
  store = Open(&again);
  EXPECT_EQ(again.lsn, 130u);
  EXPECT_EQ(again.graph->Digest(), model.g.Digest());
}

TEST_F(StoreTest, BulkCheckpointTakesTheNextLsn) {
  Model before, model;
  {
    Recovered r;
    auto store = Open(&r);
    Edits(*store, before, 5, 6);
    CheckpointData data;
    data.root = "/ws";
    for (int i = 0; i < 8; ++i) data.files.push_back(File(i, 9));
    auto lsn = store->CheckpointAsNewVersion(std::move(data));
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    EXPECT_EQ(*lsn, 6u);
    Mutation all;
    all.root = "/ws";
    for (int i = 0; i < 8; ++i) all.upserts.push_back(File(i, 9));
    model.Apply(all);
    Edits(*store, model, 5, 7);
  }
  Recovered r;
  auto store = Open(&r);
  EXPECT_EQ(r.lsn, 11u);
  EXPECT_EQ(r.root, "/ws");
  EXPECT_EQ(r.info.replayed, 5u);
  EXPECT_EQ(r.graph->Digest(), model.g.Digest());
}

TEST_F(StoreTest, ASecondWriterIsRefusedReadersAreNot) {
  Recovered r;
  auto store = Open(&r);
  auto second = Store::Open(kDb, options_, &r);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("LOCK"), absl::string_view::npos);
  StoreOptions ro = options_;
  ro.read_only = true;
  auto reader = Store::Open(kDb, ro, &r);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Mutation m = Upsert(1, 1);
  EXPECT_EQ((*reader)->Append({&m, 1}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  store.reset();
  EXPECT_TRUE(Store::Open(kDb, options_, &r).ok());
}

TEST_F(StoreTest, DamagedCheckpointOrManifestIsRefusedByName) {
  Model model;
  ASSERT_EQ(EditsAroundACheckpoint(model, 20, 0, 8), 20u);
  const std::string ckpt = std::string(kDb) + "/" + CheckpointFileName(20);
  std::string bytes = DamageCheckpoint(20);
  EXPECT_FALSE(CheckDatabase(&env_, kDb).ok());
  ASSERT_TRUE(env_.SetContents(ckpt, bytes).ok());

  const std::string manifest = std::string(kDb) + "/MANIFEST";
  ASSERT_TRUE(env_.GetContents(manifest, &bytes).ok());
  Recovered r;
  absl::StatusOr<std::unique_ptr<Store>> s;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x10;
    ASSERT_TRUE(env_.SetContents(manifest, damaged).ok());
    s = Store::Open(kDb, options_, &r);
    ASSERT_FALSE(s.ok()) << "manifest byte " << i;
  }
  ASSERT_TRUE(env_.SetContents(manifest, bytes).ok());
  ASSERT_TRUE(env_.Remove(ckpt).ok());
  s = Store::Open(kDb, options_, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("missing"), absl::string_view::npos);
}

// Open's replay fails cleanly, and loses nothing, when the checkpoint does
// not load while the log holds records to decode, and when the last save
// of a file verifies but does not decode; a later save of that file makes
// the log replayable again.
TEST_F(StoreTest, ReplayFailuresStopTheOpenAndLoseNothing) {
  Model model;
  uint64_t last = EditsAroundACheckpoint(model, 30, 30, 21);
  const std::string ckpt = std::string(kDb) + "/" + CheckpointFileName(30);
  ASSERT_TRUE(env_.SetContents(ckpt, DamageCheckpoint(30)).ok());

  // A save of src/m1.rs whose facts are cut short, behind a valid CRC.
  AppendRecord(Upsert(1, 3), 3, "", last);
  Recovered r;
  auto s = Store::Open(kDb, options_, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
  EXPECT_NE(s.status().message().find("LSN " + std::to_string(last)),
            absl::string_view::npos)
      << s.status();

  // Replaced by a later save, the bad record costs nothing.
  const Mutation fixed = Upsert(1, 2);
  AppendRecord(fixed, 0, "", last);
  model.Apply(fixed);
  auto store = Open(&r);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(r.lsn, last);
  EXPECT_EQ(r.info.replayed, 32u);
  EXPECT_EQ(r.graph->Digest(), model.g.Digest());
}

// A record keyed with a path it does not save (only a bug could write
// one): open refuses it while it is the last save of that key, and
// `aim check` names it.
TEST_F(StoreTest, MislabeledRecordIsRefusedAndNamedByCheck) {
  Model model;
  uint64_t last = EditsAroundACheckpoint(model, 10, 10, 31);
  ASSERT_TRUE(CheckDatabase(&env_, kDb).ok());
  AppendRecord(Upsert(1, 1), 0, "src/m2.rs", last);
  Recovered r;
  auto s = Store::Open(kDb, options_, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
  auto report = CheckDatabase(&env_, kDb);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("LSN " + std::to_string(last)),
            absl::string_view::npos)
      << report.status();
}

TEST_F(StoreTest, CheckReportsWhatItVerified) {
  Model model;
  EditsAroundACheckpoint(model, 30, 10, 9);
  auto report = CheckDatabase(&env_, kDb);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->checkpoint_lsn, 30u);
  EXPECT_EQ(report->last_lsn, 40u);
  EXPECT_GE(report->records, 10u);
  EXPECT_FALSE(report->torn_tail);
}

// The I/O fault loop of a checkpoint: fail its n-th operation, for every n
// until it succeeds; each time the database must reopen to the same state,
// also after a power cut right after the failure.
TEST_F(StoreTest, EveryFailingStepOfACheckpointLosesNothing) {
  Model model;
  {
    Recovered r;
    auto store = Open(&r);
    Edits(*store, model, 40, 11);
  }
  const uint64_t want = model.g.Digest();
  auto files = [&] {
    std::map<std::string, std::string> out;
    std::function<void(const std::string&)> walk = [&](const std::string& dir) {
      auto names = env_.ListDir(dir);
      ASSERT_TRUE(names.ok());
      for (const std::string& n : *names) {
        std::string p = dir + "/" + n, data;
        if (env_.GetContents(p, &data).ok()) out[p] = data;
        else walk(p);
      }
    };
    walk(kDb);
    return out;
  }();
  for (bool permanent : {false, true}) {
    for (int err : {EIO, ENOSPC}) {
      bool finished = false;
      uint64_t finished_at = 0;
      for (uint64_t n = 1; !finished && n < 200; ++n) {
        finished_at = n;
        wal::MemEnv env;
        ASSERT_TRUE(env.CreateDir(kDb).ok());
        ASSERT_TRUE(env.CreateDir(std::string(kDb) + "/wal").ok());
        for (const auto& [p, data] : files) {
          auto f = env.OpenWritable(p, true);
          ASSERT_TRUE((*f)->WriteAt(0, data).ok());
          ASSERT_TRUE((*f)->Sync().ok());
        }
        ASSERT_TRUE(env.SyncDir(kDb).ok());
        ASSERT_TRUE(env.SyncDir(std::string(kDb) + "/wal").ok());
        fault::FaultEnv faulty(&env);
        {
          Recovered r;
          auto store = Open(&r, &faulty);
          ASSERT_NE(store, nullptr);
          faulty.Arm({.kinds = fault::kOpAll, .nth = n, .err = err,
                      .permanent = permanent});
          auto lsn = store->Compact();
          finished = lsn.ok() && faulty.injected() == 0;
          faulty.Disarm();
        }
        for (bool cut : {false, true}) {
          if (cut) env.PowerCut(wal::MemEnv::PowerCutMode::kDropUnsynced);
          Recovered r;
          auto store = Open(&r, &env);
          ASSERT_NE(store, nullptr) << "fault at op " << n;
          ASSERT_EQ(r.lsn, 40u) << "fault at op " << n;
          ASSERT_EQ(r.graph->Digest(), want) << "fault at op " << n;
        }
      }
      EXPECT_TRUE(finished) << "the checkpoint never completed";
      // A checkpoint is a dozen operations or more: each was failed once.
      EXPECT_GT(finished_at, 12u);
    }
  }
}

}  // namespace
}  // namespace aim::recovery
