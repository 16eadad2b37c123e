// Incremental equals from scratch: after any sequence of file edits, the
// graph's digest equals the digest of a fresh ingest of the final tree (in
// any file order). Random edit sequences over a fixture crate and over a
// real crate from the cargo registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "engine/graph/graph.h"
#include "tests/support/graph_fixture.h"
#include "tests/support/random_edits.h"

namespace {

using aim::graph::Graph;

void BuildScratch(Graph& g, const std::string& crate,
                  const std::map<std::string, std::string>& tree,
                  bool reverse) {
  std::vector<std::pair<std::string, std::string>> files(tree.begin(),
                                                         tree.end());
  if (reverse) std::reverse(files.begin(), files.end());
  g.BeginBatch();
  for (const auto& [p, t] : files)
    g.UpsertFile(aim::testing::SourceInput(crate, p, t));
  g.EndBatch();
}

uint64_t ScratchDigest(const std::string& crate,
                       const std::map<std::string, std::string>& tree,
                       bool reverse) {
  Graph g;
  BuildScratch(g, crate, tree, reverse);
  return g.Digest();
}

std::string Dump(const std::map<std::string, std::string>& tree) {
  if (!std::getenv("AIM_DUMP_TREE")) return "";
  std::string s;
  for (const auto& [p, t] : tree) s += "=== " + p + "\n" + t;
  return s;
}

// What differs between two graphs' edges, for a failure message.
std::string EdgeDiff(const Graph& a, const Graph& b) {
  auto ea = aim::testing::EdgeStrings(a, true);
  auto eb = aim::testing::EdgeStrings(b, true);
  std::vector<std::string> only_a, only_b;
  std::set_difference(ea.begin(), ea.end(), eb.begin(), eb.end(),
                      std::back_inserter(only_a));
  std::set_difference(eb.begin(), eb.end(), ea.begin(), ea.end(),
                      std::back_inserter(only_b));
  std::string s;
  for (const auto& e : only_a) s += "  incremental only: " + e + "\n";
  for (const auto& e : only_b) s += "  scratch only:     " + e + "\n";
  if (s.empty()) s = "  (same edges; entities differ)\n";
  return s;
}


void RunEdits(const std::string& crate, std::map<std::string, std::string> tree,
              uint64_t seed, int steps, int check_every) {
  Graph g;
  g.BeginBatch();
  for (const auto& [p, t] : tree) g.UpsertFile(aim::testing::SourceInput(crate, p, t));
  g.EndBatch();
  ASSERT_EQ(g.Digest(), ScratchDigest(crate, tree, false));
  aim::testing::RandomEditor ed(std::move(tree), seed);
  for (int step = 1; step <= steps; ++step) {
    auto [path, exists] = ed.Step();
    if (exists) {
      g.UpsertFile(aim::testing::SourceInput(crate, path, ed.tree().at(path)));
    } else {
      g.RemoveFile(path);
    }
    if (step % check_every == 0 || step == steps) {
      Graph scratch;
      BuildScratch(scratch, crate, ed.tree(), step % 2 == 0);
      ASSERT_EQ(g.Digest(), scratch.Digest())
          << "seed " << seed << ", step " << step << ", last edit " << path
          << "\n" << EdgeDiff(g, scratch) << Dump(ed.tree());
      ASSERT_EQ(g.file_count(), ed.tree().size());
    }
  }
}

TEST(IncrementalTest, FixtureCrateRandomEdits) {
  for (uint64_t seed = 1; seed <= 100; ++seed)
    RunEdits("fixture", aim::testing::kEditFixture, seed, 60, 1);
}

TEST(IncrementalTest, FileOrderDoesNotMatter) {
  EXPECT_EQ(ScratchDigest("fixture", aim::testing::kEditFixture, false),
            ScratchDigest("fixture", aim::testing::kEditFixture, true));
}

TEST(IncrementalTest, RemovingEverythingLeavesAnEmptyGraph) {
  Graph g;
  for (const auto& [p, t] : aim::testing::kEditFixture) g.UpsertFile(aim::testing::SourceInput("fixture", p, t));
  EXPECT_GT(g.edge_count(), 0u);
  for (const auto& [p, t] : aim::testing::kEditFixture) EXPECT_TRUE(g.RemoveFile(p));
  EXPECT_EQ(g.entity_count(), 0u);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_EQ(g.Digest(), Graph().Digest());
  EXPECT_FALSE(g.RemoveFile("src/lib.rs"));
}

TEST(IncrementalTest, RealCrateRandomEdits) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1/src";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not installed";
  std::map<std::string, std::string> tree = aim::testing::ReadSourceTree(dir);
  ASSERT_GT(tree.size(), 10u);
  for (uint64_t seed = 1; seed <= 4; ++seed)
    RunEdits("regex", tree, seed, 40, 10);
}

}  // namespace
