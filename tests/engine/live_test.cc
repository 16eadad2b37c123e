// The live engine through the public API: watching a real directory, the
// freshness contract, asynchronous queries, and incremental == scratch
// driven by random edits on disk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "aim/engine.h"

namespace {

namespace fs = std::filesystem;

const std::string kWorkspace =
    std::string(AIM_SOURCE_DIR) + "/tests/fixtures/workspace";

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised names
    dir_ = fs::temp_directory_path() /
           ("aim-live-test-" + std::to_string(getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(kWorkspace, dir_ / "ws", fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<aim::Engine> Open(const std::string& db = "db") {
    aim::Options o;
    o.db_dir = (dir_ / db).string();
    auto e = aim::Engine::Open(o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }

  static void Write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p.string() + ".tmp", std::ios::binary);
    out << text;
    out.close();
    fs::rename(p.string() + ".tmp", p);  // an editor's atomic save
  }

  // Polls until `pred` holds (the watcher is asynchronous); false after a
  // generous limit that only guards against hangs.
  template <typename Pred>
  static bool Eventually(Pred pred) {
    for (int i = 0; i < 1000; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  static bool Knows(aim::Engine& e, const std::string& name) {
    auto r = e.Query({.kind = "search", .args = {name}});
    if (!r.ok()) return false;
    for (const auto& h : r->results)  // (a dangling call leaves an external)
      if (h.entity.name == name && h.entity.kind != "external") return true;
    return false;
  }

  fs::path dir_;
};

TEST_F(LiveTest, ASaveOnDiskBecomesAQueryAnswer) {
  auto e = Open();
  ASSERT_TRUE(e->Watch((dir_ / "ws").string(), 2).ok());
  EXPECT_TRUE(Knows(*e, "checksum"));
  const uint64_t before = e->Stats().version;
  // A new file in a new directory, an edit, a removal.
  Write(dir_ / "ws/app/src/extra/mod.rs", "pub fn brand_new_fn() {}\n");
  Write(dir_ / "ws/app/src/main.rs",
        "mod extra;\nfn main() { extra::brand_new_fn(); }\n");
  EXPECT_TRUE(Eventually([&] { return Knows(*e, "brand_new_fn"); }));
  auto callers = e->Query({.kind = "callers", .args = {"brand_new_fn"}});
  ASSERT_TRUE(Eventually([&] {
    callers = e->Query({.kind = "callers", .args = {"brand_new_fn"}});
    return callers.ok() && callers->results.size() == 1;
  })) << (callers.ok() ? "callers: " + std::to_string(callers->results.size())
                        : std::string(callers.status().message()));
  EXPECT_EQ(callers->results[0].entity.qualified, "app::main");
  EXPECT_GT(callers->version, before);
  fs::remove(dir_ / "ws/app/src/extra/mod.rs");
  EXPECT_TRUE(Eventually([&] { return !Knows(*e, "brand_new_fn"); }));
  e->StopWatching();
}

TEST_F(LiveTest, FreshnessContractOfUpdateFile) {
  auto e = Open();
  ASSERT_TRUE(e->Watch((dir_ / "ws").string(), 2).ok());
  for (int i = 0; i < 20; ++i) {
    const std::string name = "host_fn_" + std::to_string(i);
    auto lsn = e->UpdateFile("app/src/host.rs", "pub fn " + name + "() {}\n");
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    ASSERT_TRUE(e->WaitFor(*lsn, 10000).ok());
    auto r = e->Query({.kind = "search", .args = {name}});
    ASSERT_TRUE(r.ok());
    EXPECT_GE(r->version, *lsn);
    EXPECT_TRUE(Knows(*e, name)) << name;
  }
  EXPECT_EQ(e->WaitFor(e->Stats().version + 100, 1).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(LiveTest, AsyncQueriesAnswerOnReaders) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest((dir_ / "ws").string()).ok());
  std::vector<std::promise<absl::StatusOr<aim::QueryResult>>> promises(50);
  for (auto& p : promises)
    e->QueryAsync({.kind = "callers", .args = {"alpha_core::connect"}},
                  [&p](absl::StatusOr<aim::QueryResult> r) { p.set_value(std::move(r)); });
  auto direct = e->Query({.kind = "callers", .args = {"alpha_core::connect"}});
  ASSERT_TRUE(direct.ok());
  for (auto& p : promises) {
    auto r = p.get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->results.size(), direct->results.size());
  }
}

// Random edits on disk while watching; once quiet, the live graph equals a
// fresh ingest of the final tree.
TEST_F(LiveTest, RandomEditsOnDiskEqualAFreshIngest) {
  auto e = Open();
  ASSERT_TRUE(e->Watch((dir_ / "ws").string(), 2).ok());
  std::mt19937_64 rng(42);
  const fs::path src = dir_ / "ws/core/src";
  for (int k = 0; k < 60; ++k) {
    const int i = static_cast<int>(rng() % 5);
    const fs::path p = src / ("gen" + std::to_string(i) + ".rs");
    switch (rng() % 4) {
      case 0:
        fs::remove(p);
        break;
      case 1:
        if (fs::exists(p)) fs::rename(p, src / ("gen" + std::to_string((i + 1) % 5) + ".rs"));
        break;
      default:
        Write(p, "pub struct G" + std::to_string(k) + ";\npub fn g" + std::to_string(k) +
                     "() { crate::connect(\"x\"); }\n");
    }
    if (rng() % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
  }
  auto fresh = Open("fresh");
  ASSERT_TRUE(fresh->Ingest((dir_ / "ws").string()).ok());
  const uint64_t want = fresh->Digest();
  EXPECT_TRUE(Eventually([&] { return e->Digest() == want; }))
      << "the live graph never matched a fresh ingest";
  e->StopWatching();
  e.reset();
  // And after a restart, from the log.
  e = Open();
  EXPECT_EQ(e->Digest(), want);
}

}  // namespace

namespace {

// Version i of a file: `snap_target` and 1 + i % 4 callers of it, all
// named after i. A query that mixed two versions would see callers of
// different generations, or the wrong number of them.
std::string Generation(int i) {
  std::string text = "pub fn snap_target() {}\n";
  for (int j = 0; j < 1 + i % 4; ++j)
    text += "pub fn caller_" + std::to_string(i) + "_" + std::to_string(j) +
            "() { snap_target(); }\n";
  return text;
}

// "" if `r` is one whole generation; else what is wrong with it.
std::string CheckGeneration(const aim::QueryResult& r) {
  if (r.results.empty()) return "no callers";
  std::string gen;
  for (const auto& h : r.results) {
    const std::string& n = h.entity.name;  // caller_<i>_<j>
    const std::string g = n.substr(0, n.rfind('_'));
    if (gen.empty()) gen = g;
    if (g != gen) return "callers of two generations: " + gen + ", " + g;
  }
  const int i = std::stoi(gen.substr(gen.find('_') + 1));
  if (r.results.size() != static_cast<size_t>(1 + i % 4))
    return gen + " with " + std::to_string(r.results.size()) + " callers";
  return "";
}

}  // namespace

// Snapshot isolation under a writer and many readers (synchronous and
// asynchronous): every answer is one whole version, and a reader never
// sees versions go backwards. Run under TSan in CI's concurrent stage.
// `none` applies on the writer's thread; `batch` applies while the log
// syncs, on the engine's side thread.
class LiveIsolationTest : public LiveTest,
                          public ::testing::WithParamInterface<aim::Durability> {};

TEST_P(LiveIsolationTest, ReadersSeeWholeVersionsWhileAWriterEdits) {
  const int edits = GetParam() == aim::Durability::kNone ? 300 : 100;
  aim::Options o;
  o.db_dir = (dir_ / "db").string();
  o.durability = GetParam();
  auto opened = aim::Engine::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& e = **opened;
  ASSERT_TRUE(e.Ingest((dir_ / "ws").string()).ok());
  ASSERT_TRUE(e.UpdateFile("app/src/snap.rs", Generation(0)).ok());

  const aim::QueryRequest callers{.kind = "callers", .args = {"snap_target"}};
  std::atomic<bool> stop{false};
  std::atomic<int> answers{0};
  std::mutex bad_mu;
  std::vector<std::string> bad;
  auto record = [&](const std::string& what) {
    std::lock_guard lock(bad_mu);
    if (bad.size() < 10) bad.push_back(what);
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      uint64_t last = 0;
      while (!stop.load()) {
        auto r = e.Query(callers);
        if (!r.ok()) {
          record(std::string(r.status().message()));
          continue;
        }
        if (std::string why = CheckGeneration(*r); !why.empty()) record(why);
        if (r->version < last) record("version went backwards");
        last = r->version;
        ++answers;
      }
    });
  std::thread async_reader([&] {
    while (!stop.load()) {
      std::promise<absl::StatusOr<aim::QueryResult>> p;
      e.QueryAsync(callers, [&p](absl::StatusOr<aim::QueryResult> r) {
        p.set_value(std::move(r));
      });
      auto r = p.get_future().get();
      if (!r.ok()) {
        record(std::string(r.status().message()));
        continue;
      }
      if (std::string why = CheckGeneration(*r); !why.empty()) record(why);
      ++answers;
    }
  });
  uint64_t last_lsn = 0;
  for (int i = 1; i <= edits; ++i) {
    auto lsn = e.UpdateFile("app/src/snap.rs", Generation(i));
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    EXPECT_GT(*lsn, last_lsn);
    last_lsn = *lsn;
  }
  stop = true;
  for (auto& t : readers) t.join();
  async_reader.join();
  EXPECT_TRUE(bad.empty()) << bad.front();
  EXPECT_GT(answers.load(), 0);
  auto final_answer = e.Query(callers);
  ASSERT_TRUE(final_answer.ok());
  EXPECT_EQ(final_answer->version, last_lsn);
  EXPECT_EQ(CheckGeneration(*final_answer), "");
  EXPECT_EQ(final_answer->results.size(), 1u + static_cast<size_t>(edits % 4));
}

INSTANTIATE_TEST_SUITE_P(Modes, LiveIsolationTest,
                         ::testing::Values(aim::Durability::kNone,
                                           aim::Durability::kBatch),
                         [](const auto& param_info) {
                           return param_info.param == aim::Durability::kNone ? "None" : "Batch";
                         });
