// Incremental equals from scratch: after any sequence of file edits, the
// graph's digest equals the digest of a fresh ingest of the final tree (in
// any file order). Random edit sequences over a fixture crate and over a
// real crate from the cargo registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>

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

// Edits applied several at a time inside a batch (as the live engine and
// replay do), a file sometimes edited twice in one batch: the resolution a
// file's unchanged references carry over must still follow every change of
// the batch, whichever file made it and in whatever order.
TEST(IncrementalTest, BatchedRandomEdits) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::map<std::string, std::string> tree = aim::testing::kEditFixture;
    Graph g;
    BuildScratch(g, "fixture", tree, false);
    aim::testing::RandomEditor ed(std::move(tree), seed);
    std::mt19937_64 rng(seed);
    for (int batch = 1; batch <= 15; ++batch) {
      g.BeginBatch();
      const int n = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i) aim::testing::ApplyEdit(g, "fixture", ed, ed.Step());
      g.EndBatch();
      Graph scratch;
      BuildScratch(scratch, "fixture", ed.tree(), batch % 2 == 0);
      ASSERT_EQ(g.Digest(), scratch.Digest())
          << "seed " << seed << ", batch " << batch << "\n"
          << EdgeDiff(g, scratch) << Dump(ed.tree());
    }
  }
}

// Saving a file again and again (each save renaming a fn that others call,
// so their references are resolved again each time) keeps the graph's
// memory bounded: stale lookup records are dropped as they pile up. (The
// string pool is append-only: a renamed fn's signature is a new string,
// tens of bytes a save; the lookup records of the 400 references that
// are resolved again would be kilobytes.)
TEST(IncrementalTest, RepeatedSavesKeepMemoryBounded) {
  std::map<std::string, std::string> tree;
  std::string callers = "use crate::target::*;\n";
  for (int i = 0; i < 200; ++i)
    callers += "pub fn caller_" + std::to_string(i) + "() { helper_a(); helper_b(); }\n";
  tree["src/lib.rs"] = "pub mod target;\npub mod callers;\n";
  tree["src/callers.rs"] = callers;
  Graph g;
  BuildScratch(g, "fixture", tree, false);
  auto save = [&](int i) {
    const char* name = i % 2 ? "helper_a" : "helper_b";
    tree["src/target.rs"] = std::string("pub fn ") + name + "() {}\n// save " + std::to_string(i) + "\n";
    g.UpsertFile(aim::testing::SourceInput("fixture", "src/target.rs", tree["src/target.rs"]));
  };
  for (int i = 0; i < 50; ++i) save(i);
  const size_t after_50 = g.MemoryBytes();
  for (int i = 50; i < 1000; ++i) save(i);
  EXPECT_LT(g.MemoryBytes(), after_50 + after_50 / 4 + 950 * 64);
  Graph scratch;
  BuildScratch(scratch, "fixture", tree, false);
  EXPECT_EQ(g.Digest(), scratch.Digest());
}

// Crates that say what they use (FileInput::deps): random changes of the
// dependencies, of the methods each crate defines and calls, and files
// coming and going. Method calls link only what a crate may use, so each
// change can re-link calls in the crates that see it, transitively.
TEST(IncrementalTest, CrateDepsRandomEdits) {
  const std::vector<std::string> crates = {"a", "b", "c", "d", "e"};
  const std::vector<std::string> methods = {"run", "stop", "len", "go"};
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    // Each crate's file: some methods defined, some called, some deps.
    struct Crate {
      std::vector<bool> defines, calls;
      std::optional<aim::graph::CrateDeps> deps;
      bool present = true;
    };
    std::vector<Crate> state(crates.size());
    auto randomize_deps = [&](size_t i) {
      if (pick(5) == 0) {
        state[i].deps.reset();
        return;
      }
      state[i].deps.emplace();
      for (size_t j = 0; j < crates.size(); ++j) {
        if (j == i) continue;
        const size_t k = pick(6);
        if (k < 2) state[i].deps->deps.push_back(crates[j]);
        if (k == 2) state[i].deps->dev_deps.push_back(crates[j]);
      }
    };
    for (size_t i = 0; i < crates.size(); ++i) {
      state[i].defines.resize(methods.size());
      state[i].calls.resize(methods.size());
      for (size_t m = 0; m < methods.size(); ++m) {
        state[i].defines[m] = pick(2) == 0;
        state[i].calls[m] = pick(2) == 0;
      }
      randomize_deps(i);
    }
    auto input = [&](size_t i) {
      std::string text = "pub struct T;\nimpl T {\n";
      for (size_t m = 0; m < methods.size(); ++m)
        if (state[i].defines[m]) text += "    pub fn " + methods[m] + "(&self) {}\n";
      text += "}\npub fn user(x: u8) {\n";
      for (size_t m = 0; m < methods.size(); ++m)
        if (state[i].calls[m]) text += "    x." + methods[m] + "();\n";
      text += "    crate::gone::" + methods[0] + "();\n}\n";
      auto in = aim::testing::FromSources(crates[i],
                                          {{crates[i] + "/src/lib.rs", text}})[0];
      in.module = "";
      in.deps = state[i].deps;
      return in;
    };
    auto fresh_digest = [&](bool reverse) {
      std::vector<aim::graph::FileInput> inputs;
      for (size_t i = 0; i < crates.size(); ++i)
        if (state[i].present) inputs.push_back(input(i));
      if (reverse) std::reverse(inputs.begin(), inputs.end());
      Graph fresh;
      aim::testing::IngestAll(fresh, inputs);
      return fresh.Digest();
    };
    Graph g;
    {
      std::vector<aim::graph::FileInput> inputs;
      for (size_t i = 0; i < crates.size(); ++i) inputs.push_back(input(i));
      aim::testing::IngestAll(g, inputs);
    }
    for (int step = 1; step <= 30; ++step) {
      const size_t i = pick(crates.size());
      switch (pick(4)) {
        case 0: randomize_deps(i); break;
        case 1: state[i].defines[pick(methods.size())].flip(); break;
        case 2: state[i].calls[pick(methods.size())].flip(); break;
        case 3: state[i].present = !state[i].present; break;
      }
      if (state[i].present) {
        g.UpsertFile(input(i));
      } else {
        g.RemoveFile(crates[i] + "/src/lib.rs");
      }
      ASSERT_EQ(g.Digest(), fresh_digest(step % 2 == 0))
          << "seed " << seed << ", step " << step;
    }
  }
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
