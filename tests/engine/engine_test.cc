// The embedded API (include/aim/engine.h): ingest, queries, persistence,
// and its error cases.
#include "aim/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

const std::string kWorkspace =
    std::string(AIM_SOURCE_DIR) + "/tests/fixtures/workspace";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aim-engine-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<aim::Engine> Open(bool read_only = false) {
    aim::Options o;
    o.db_dir = (dir_ / "db").string();
    o.read_only = read_only;
    auto e = aim::Engine::Open(o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }

  static std::vector<std::string> Names(const aim::QueryResult& r) {
    std::vector<std::string> v;
    for (const auto& h : r.results) v.push_back(h.entity.qualified);
    return v;
  }

  fs::path dir_;
};

TEST_F(EngineTest, IngestThenQuery) {
  auto e = Open();
  auto report = e->Ingest(kWorkspace);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->files, 7u);
  EXPECT_EQ(report->skipped, 0u);
  EXPECT_GT(report->edges, 20u);

  auto callers = e->Query({.kind = "callers", .args = {"alpha_core::connect"}});
  ASSERT_TRUE(callers.ok()) << callers.status();
  auto names = Names(*callers);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"app::main", "smoke::smoke"}));
  EXPECT_EQ(callers->version, 1u);
  ASSERT_EQ(callers->target.size(), 1u);
  EXPECT_EQ(callers->target[0].kind, "fn");
  EXPECT_EQ(callers->target[0].file, "core/src/lib.rs");

  auto impls = e->Query({.kind = "what-implements", .args = {"Transport"}});
  ASSERT_TRUE(impls.ok()) << impls.status();
  EXPECT_EQ(Names(*impls),
            (std::vector<std::string>{"alpha_core::net::tcp::Stream"}));
  ASSERT_EQ(impls->results[0].path.size(), 1u);
  EXPECT_EQ(impls->results[0].path[0].kind, "implements");
  EXPECT_EQ(impls->results[0].path[0].file, "core/src/net/tcp.rs");
}

TEST_F(EngineTest, PersistsAndReopensReadOnlyWithTheSameGraph) {
  uint64_t digest;
  {
    auto e = Open();
    ASSERT_TRUE(e->Ingest(kWorkspace).ok());
    digest = e->Digest();
  }
  auto e = Open(/*read_only=*/true);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Digest(), digest);
  EXPECT_EQ(e->Stats().files, 7u);
  EXPECT_EQ(e->Stats().version, 1u);
  // Nothing to replay: loaded for queries only, and a query answers.
  EXPECT_TRUE(e->Stats().queries_only);
  EXPECT_GT(e->Stats().open_us, 0u);
  EXPECT_LE(e->Stats().load_us, e->Stats().open_us);
  EXPECT_TRUE(e->Query({.kind = "callers", .args = {"connect"}}).ok());
  EXPECT_FALSE(e->Ingest(kWorkspace).ok());  // read-only
}

// blast-radius says how the last update of its start's file changed the
// start: nothing yet after an ingest; then its body, its signature.
TEST_F(EngineTest, BlastRadiusSaysHowItsStartLastChanged) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  auto change_of = [&](const std::string& name) {
    auto r = e->Query({.kind = "blast-radius", .args = {name}});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->change : "?";
  };
  EXPECT_EQ(change_of("alpha_core::util::checksum"), "");
  const std::string util =
      "pub fn checksum(data: &[u8]) -> u32 {\n"
      "    data.iter().map(|b| *b as u32).sum::<u32>()\n"
      "}\n"
      "\n"
      "pub(crate) fn helper() -> u8 {\n"
      "    7\n"
      "}\n";
  auto lsn = e->UpdateFile("core/src/util.rs", util);
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  ASSERT_TRUE(e->WaitFor(*lsn, 10000).ok());
  EXPECT_EQ(change_of("alpha_core::util::checksum"), "body");
  EXPECT_EQ(change_of("alpha_core::util::helper"), "");
  lsn = e->UpdateFile("core/src/util.rs",
                      "pub fn checksum(data: &[u8], seed: u32) -> u32 {\n"
                      "    seed + data.len() as u32\n"
                      "}\n");
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  ASSERT_TRUE(e->WaitFor(*lsn, 10000).ok());
  EXPECT_EQ(change_of("alpha_core::util::checksum"), "signature");
  // Other queries leave it empty.
  auto callers =
      e->Query({.kind = "callers", .args = {"alpha_core::util::checksum"}});
  ASSERT_TRUE(callers.ok());
  EXPECT_EQ(callers->change, "");
}

TEST_F(EngineTest, UnknownNameIsAnErrorWithSuggestions) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  auto r = e->Query({.kind = "callers", .args = {"conect"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(r.status().message()).find("connect"), std::string::npos)
      << r.status();
}

TEST_F(EngineTest, AmbiguousNameListsCandidates) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  auto r = e->Query({.kind = "callers", .args = {"connect"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ambiguous);
  ASSERT_EQ(r->target.size(), 2u);
  EXPECT_TRUE(r->results.empty());
}

TEST_F(EngineTest, BadRequestsAreInvalidArguments) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  EXPECT_EQ(e->Query({.kind = "nonsense", .args = {"x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Query({.kind = "callers"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Query({.kind = "path", .args = {"main"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto not_trait = e->Query({.kind = "what-implements", .args = {"alpha_core::connect"}});
  EXPECT_EQ(not_trait.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, DamagedCheckpointRefusesToOpenNamingTheFile) {
  {
    auto e = Open();
    ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  }
  fs::path ckpt;
  for (const auto& entry : fs::directory_iterator(dir_ / "db"))
    if (entry.path().filename().string().rfind("checkpoint-", 0) == 0)
      ckpt = entry.path();
  ASSERT_FALSE(ckpt.empty());
  {
    std::fstream f(ckpt, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c;
    f.read(&c, 1);
    f.seekp(100);
    c ^= 0x40;
    f.write(&c, 1);
  }
  aim::Options o;
  o.db_dir = (dir_ / "db").string();
  auto e = aim::Engine::Open(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(e.status().message()).find(ckpt.filename().string()),
            std::string::npos)
      << e.status();
}

TEST_F(EngineTest, BadDatabaseDirectories) {
  aim::Options o;
  o.db_dir = (dir_ / "missing").string();
  o.read_only = true;
  EXPECT_EQ(aim::Engine::Open(o).status().code(), absl::StatusCode::kNotFound);
  std::ofstream((dir_ / "file").string()) << "x";
  o.db_dir = (dir_ / "file").string();
  o.read_only = false;
  EXPECT_FALSE(aim::Engine::Open(o).ok());
  o.db_dir = (dir_ / "file" / "below").string();
  EXPECT_FALSE(aim::Engine::Open(o).ok());
}

// A method call links only what its crate may use (its Cargo.toml); an
// edit of the Cargo.toml alone is taken by the next ingest, though no
// source file changed.
TEST_F(EngineTest, CargoDependenciesDecideWhatCallsLink) {
  const fs::path ws = dir_ / "ws";
  auto write = [&](const fs::path& rel, const std::string& text) {
    fs::create_directories((ws / rel).parent_path());
    std::ofstream(ws / rel) << text;
  };
  auto manifest = [&](const std::string& deps) {
    write("app/Cargo.toml",
          "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n"
          "[dependencies]\n" + deps);
  };
  manifest("lib-a = { path = \"../a\" }\n");
  write("app/src/lib.rs", "pub fn go(x: u8) { x.launch(); }\n");
  for (const char* c : {"a", "b"}) {
    write(std::string(c) + "/Cargo.toml",
          std::string("[package]\nname = \"lib-") + c + "\"\nversion = \"0.1.0\"\n");
    write(std::string(c) + "/src/lib.rs",
          "pub struct S;\nimpl S { pub fn launch(&self) {} }\n");
  }
  auto e = Open();
  ASSERT_TRUE(e->Ingest(ws.string()).ok());
  auto callees = [&] {
    auto q = e->Query({.kind = "callees", .args = {"app::go"}});
    EXPECT_TRUE(q.ok()) << q.status();
    std::vector<std::string> v;
    if (!q.ok()) return v;
    for (const auto& h : q->results)
      v.push_back(h.entity.qualified + " " + h.path.back().confidence);
    return v;
  };
  EXPECT_EQ(callees(), std::vector<std::string>{"lib_a::S::launch name"});
  manifest("lib-a = { path = \"../a\" }\nlib-b = { path = \"../b\" }\n");
  auto again = e->Ingest(ws.string());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->files, 1u);  // app's file: its place changed
  EXPECT_EQ(callees(), (std::vector<std::string>{"lib_a::S::launch ambiguous",
                                                 "lib_b::S::launch ambiguous"}));
  // Stats say how sure the graph is of its edges.
  const aim::EngineStats s = e->Stats();
  ASSERT_EQ(s.edges_by_confidence.size(), 3u);
  EXPECT_EQ(s.edges_by_confidence[0].first, "exact");
  EXPECT_EQ(s.edges_by_confidence[1].first, "name");
  EXPECT_EQ(s.edges_by_confidence[2].first, "ambiguous");
  EXPECT_EQ(s.edges_by_confidence[2].second, 2u);  // the two launches
  EXPECT_EQ(s.edges_by_confidence[0].second + s.edges_by_confidence[1].second +
                s.edges_by_confidence[2].second,
            s.edges);
}

// `tokio::spawn` names a module and a fn (`mod spawn; pub use
// spawn::spawn;`): callers and callees take the fn; other queries list both.
TEST_F(EngineTest, CallersOfANameThatIsAlsoAModuleTakeTheFn) {
  const fs::path ws = dir_ / "ws";
  fs::create_directories(ws / "src" / "task");
  std::ofstream(ws / "Cargo.toml") << "[package]\nname = \"rt\"\nversion = \"0.1.0\"\n";
  std::ofstream(ws / "src" / "lib.rs")
      << "pub mod task;\npub use task::spawn;\npub fn user() { spawn(); }\n";
  std::ofstream(ws / "src" / "task" / "mod.rs") << "mod spawn;\npub use spawn::spawn;\n";
  std::ofstream(ws / "src" / "task" / "spawn.rs") << "pub fn spawn() {}\n";
  auto e = Open();
  ASSERT_TRUE(e->Ingest(ws.string()).ok());
  auto callers = e->Query({.kind = "callers", .args = {"rt::spawn"}});
  ASSERT_TRUE(callers.ok()) << callers.status();
  ASSERT_EQ(callers->target.size(), 1u);
  EXPECT_EQ(callers->target[0].qualified, "rt::task::spawn::spawn");
  EXPECT_EQ(Names(*callers), std::vector<std::string>{"rt::user"});
  auto blast = e->Query({.kind = "blast-radius", .args = {"rt::spawn"}});
  ASSERT_TRUE(blast.ok()) << blast.status();
  EXPECT_TRUE(blast->ambiguous);
  EXPECT_EQ(blast->target.size(), 2u);
}

TEST_F(EngineTest, IngestMissingDirectoryIsNotFound) {
  auto e = Open();
  auto r = e->Ingest((dir_ / "nope").string());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(EngineTest, NonUtf8FilesAreReportedAndSkipped) {
  fs::create_directories(dir_ / "ws" / "src");
  std::ofstream(dir_ / "ws" / "src" / "lib.rs") << "pub fn good() {}\n";
  std::ofstream(dir_ / "ws" / "src" / "bad.rs") << "fn bad() {}\n// \xff\xfe\n";
  auto e = Open();
  auto r = e->Ingest((dir_ / "ws").string());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->files, 1u);
  EXPECT_EQ(r->skipped, 1u);
  ASSERT_FALSE(r->problems.empty());
  EXPECT_NE(r->problems[0].find("src/bad.rs"), std::string::npos);
  EXPECT_TRUE(e->Query({.kind = "callers", .args = {"good"}}).ok());
  EXPECT_FALSE(e->Query({.kind = "callers", .args = {"bad"}}).ok());
}

TEST_F(EngineTest, IngestsTextDumpsWithFileHeaders) {
  fs::path dump = dir_ / "mycrate.txt";
  std::ofstream(dump) << "FILE: src/lib.rs\nmod a;\npub fn top() { a::leaf(); }\n"
                         "FILE: src/a.rs\npub fn leaf() {}\n";
  auto e = Open();
  auto r = e->Ingest(dump.string());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->files, 2u);
  auto q = e->Query({.kind = "callees", .args = {"top"}});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(Names(*q), (std::vector<std::string>{"mycrate::a::leaf"}));
}

TEST_F(EngineTest, ExportEnumeratesEverythingDeterministically) {
  auto e = Open();
  ASSERT_TRUE(e->Ingest(kWorkspace).ok());
  std::vector<std::string> first, second;
  e->ForEachEntity([&](const aim::EntityInfo& x) { first.push_back(x.qualified); });
  e->ForEachEdge([&](const aim::EdgeInfo& x) {
    first.push_back(x.kind + std::to_string(x.from) + std::to_string(x.to));
  });
  e->ForEachEntity([&](const aim::EntityInfo& x) { second.push_back(x.qualified); });
  e->ForEachEdge([&](const aim::EdgeInfo& x) {
    second.push_back(x.kind + std::to_string(x.from) + std::to_string(x.to));
  });
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.size(), e->Stats().entities + e->Stats().edges);
}

}  // namespace
