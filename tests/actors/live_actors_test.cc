// The live engine's actors, stepped by hand with CAF's testing scheduler:
// no threads of CAF's own, no sleeps; every message is delivered when the
// test says so.
#include "actors/live_actors.h"

#include <caf/scheduler/test_coordinator.hpp>
#include "aim/extract.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace aim::host {
namespace {

namespace fs = std::filesystem;

class ActorTest : public ::testing::Test {
 protected:
  ActorTest() : sys_(Config()), sched_(dynamic_cast<caf::scheduler::test_coordinator&>(
                                   sys_.scheduler())) {}

  static caf::actor_system_config& Config() {
    static caf::actor_system_config* cfg = [] {
      auto* c = new caf::actor_system_config;
      c->set("scheduler.policy", caf::atom("testing"));
      return c;
    }();
    return *cfg;
  }

  // Delivers every pending message, then takes the one reply expected by
  // `self`.
  template <typename T>
  T Reply(caf::scoped_actor& self) {
    sched_.run();
    T out{};
    bool got = false;
    self->receive([&](T& x) {
      out = std::move(x);
      got = true;
    }, caf::after(std::chrono::seconds(0)) >> [] {});
    EXPECT_TRUE(got) << "no reply";
    return out;
  }

  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  EngineImpl engine_{Options{}};
};

TEST_F(ActorTest, ParserReadsHashesAndExtracts) {
  const fs::path root = fs::temp_directory_path() / ("aim-actor-" + std::to_string(getpid()));
  fs::create_directories(root / "src");
  std::ofstream(root / "Cargo.toml") << "[package]\nname = \"demo\"\n";
  std::ofstream(root / "src/lib.rs") << "pub fn alpha() { beta(); }\nfn beta() {}\n";
  auto parser = sys_.spawn(ParserActor, 0);
  caf::scoped_actor self{sys_};

  self->send(parser, parse_atom::value, root.string(), std::string("src/lib.rs"), uint64_t{0});
  ParsedFile f = Reply<ParsedFile>(self);
  EXPECT_FALSE(f.removed || f.unchanged || f.skip);
  EXPECT_EQ(f.input.crate, "demo");
  EXPECT_EQ(f.input.facts.items.size(), 2u);
  EXPECT_EQ(f.input.facts.calls.size(), 1u);

  // The same bytes again: recognised by hash, not extracted.
  self->send(parser, parse_atom::value, root.string(), std::string("src/lib.rs"),
             f.input.facts.content_hash);
  EXPECT_TRUE(Reply<ParsedFile>(self).unchanged);

  self->send(parser, parse_atom::value, root.string(), std::string("src/gone.rs"), uint64_t{0});
  EXPECT_TRUE(Reply<ParsedFile>(self).removed);
  caf::anon_send_exit(parser, caf::exit_reason::user_shutdown);
  sched_.run();
  fs::remove_all(root);
}

TEST_F(ActorTest, OwnerAppliesInOrderAndAnswersWithTheVersion) {
  auto owner = sys_.spawn(OwnerActor, &engine_);
  caf::scoped_actor self{sys_};
  auto upsert = [](const std::string& path, const std::string& src) {
    ParsedFile f;
    f.path = path;
    f.input.path = path;
    f.input.crate = "demo";
    f.input.facts = ExtractFacts(path, src);
    return std::vector<ParsedFile>{std::move(f)};
  };
  self->send(owner, apply_atom::value, upsert("src/lib.rs", "pub fn one() {}\n"));
  self->send(owner, apply_atom::value, upsert("src/lib.rs", "pub fn two() {}\n"));
  EXPECT_EQ(engine_.Stats().version, 0u);  // nothing delivered yet
  sched_.run_once();                        // exactly one message
  ApplyReply first;
  self->receive([&](ApplyReply& r) { first = r; });
  EXPECT_TRUE(first.status.ok());
  EXPECT_EQ(first.lsn, 1u);
  EXPECT_TRUE(engine_.Query({.kind = "search", .args = {"one"}})->results.size() > 0);
  ApplyReply second = Reply<ApplyReply>(self);
  EXPECT_EQ(second.lsn, 2u);
  EXPECT_TRUE(engine_.Query({.kind = "callers", .args = {"one"}}).status().code() ==
              absl::StatusCode::kNotFound);

  // A removal of a file the engine never held changes nothing.
  ParsedFile gone;
  gone.path = "src/never.rs";
  gone.removed = true;
  self->send(owner, apply_atom::value, std::vector<ParsedFile>{gone});
  EXPECT_EQ(Reply<ApplyReply>(self).lsn, 2u);
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
  sched_.run();
}

TEST_F(ActorTest, ReaderAnswersThroughTheCallback) {
  auto owner = sys_.spawn(OwnerActor, &engine_);
  auto reader = sys_.spawn(ReaderActor, &engine_);
  caf::scoped_actor self{sys_};
  ParsedFile f;
  f.path = f.input.path = "src/lib.rs";
  f.input.crate = "demo";
  f.input.facts = ExtractFacts(f.path, "pub fn caller() { callee(); }\npub fn callee() {}\n");
  self->send(owner, apply_atom::value, std::vector<ParsedFile>{f});
  EXPECT_EQ(Reply<ApplyReply>(self).lsn, 1u);

  std::vector<std::string> answers;
  QueryJob job{{.kind = "callers", .args = {"callee"}},
               [&](absl::StatusOr<QueryResult> r) {
                 ASSERT_TRUE(r.ok()) << r.status();
                 for (const auto& h : r->results) answers.push_back(h.entity.qualified);
               }};
  self->send(reader, query_atom::value, job);
  EXPECT_TRUE(answers.empty());  // not delivered yet
  sched_.run();
  EXPECT_EQ(answers, (std::vector<std::string>{"demo::caller"}));
  for (auto& a : {owner, reader}) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched_.run();
}

}  // namespace
}  // namespace aim::host
