// Incremental equals from scratch: after any sequence of file edits, the
// graph's digest equals the digest of a fresh ingest of the final tree (in
// any file order). Random edit sequences over a fixture crate and over a
// real crate from the cargo registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "aim/extract.h"
#include "engine/graph/graph.h"
#include "engine/graph/layout.h"
#include "tests/support/graph_fixture.h"

namespace {

using aim::graph::FileInput;
using aim::graph::Graph;

FileInput Input(const std::string& crate, const std::string& path,
                const std::string& text) {
  aim::graph::FilePlace place = aim::graph::PlaceFile(path, crate);
  FileInput in;
  in.path = path;
  in.crate = place.crate;
  in.module = place.module;
  in.facts = aim::ExtractFacts(path, text);
  return in;
}

void BuildScratch(Graph& g, const std::string& crate,
                  const std::map<std::string, std::string>& tree,
                  bool reverse) {
  std::vector<std::pair<std::string, std::string>> files(tree.begin(),
                                                         tree.end());
  if (reverse) std::reverse(files.begin(), files.end());
  g.BeginBatch();
  for (const auto& [p, t] : files) g.UpsertFile(Input(crate, p, t));
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

// Random edits over a set of Rust files. Each edit changes one file's text
// (or adds/removes a file) in ways that move definitions and references.
class Editor {
 public:
  Editor(std::map<std::string, std::string> tree, uint64_t seed)
      : tree_(std::move(tree)), rng_(seed) {}

  const std::map<std::string, std::string>& tree() const { return tree_; }

  // Applies one random edit; returns the path touched and whether it still
  // exists.
  std::pair<std::string, bool> Step() {
    int op = Pick(10);
    if (tree_.empty() || op == 0) return AddFile();
    auto it = tree_.begin();
    std::advance(it, Pick(tree_.size()));
    std::string path = it->first;
    std::string& text = it->second;
    switch (op) {
      case 1:
        if (!removed_.empty() || tree_.size() > 3) {
          removed_[path] = text;
          tree_.erase(it);
          return {path, false};
        }
        return AddFile();
      case 2:
        if (!removed_.empty()) {
          auto r = removed_.begin();
          std::advance(r, Pick(removed_.size()));
          std::string p = r->first;
          tree_[p] = r->second;
          removed_.erase(r);
          return {p, true};
        }
        [[fallthrough]];
      case 3:
      case 4:
        DeleteItem(path, text);
        return {path, true};
      case 5:
      case 6:
        RenameFn(text);
        return {path, true};
      case 7:
        text += "\npub fn added_" + std::to_string(counter_++) + "() { " +
                RandomCalls() + " }\n";
        return {path, true};
      case 8:
      {
        std::string n = std::to_string(counter_++);
        text += "\npub struct Extra" + n + ";\nimpl " + RandomName() +
                " for Extra" + n + " {}\n";
      }
        return {path, true};
      default:
        // A body-only edit: insert a blank line and a comment on top.
        text = "// edit " + std::to_string(counter_++) + "\n\n" + text;
        return {path, true};
    }
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::pair<std::string, bool> AddFile() {
    std::string path = "src/gen" + std::to_string(counter_++) + ".rs";
    tree_[path] = "use crate::*;\npub fn gen_" + std::to_string(counter_) +
                  "() { " + RandomCalls() + " }\npub trait " + RandomName() +
                  " { fn required(&self); }\n";
    return {path, true};
  }

  std::string RandomName() {
    static const char* kNames[] = {"Shape", "Area", "Display", "Named",
                                   "Drawable", "Clone", "Visitor", "Parser"};
    return kNames[Pick(std::size(kNames))];
  }

  std::string RandomCalls() {
    static const char* kCalls[] = {"area()", "new()", "Self::new()", "helper()",
                                   "crate::helper()", "x.render()",
                                   "Circle::new(1.0)", "super::top()",
                                   "added_0()", "gen_1()", "visit(v)"};
    std::string s;
    for (int i = 0; i < 3; ++i) {
      s += kCalls[Pick(std::size(kCalls))];
      s += "; ";
    }
    return s;
  }

  void DeleteItem(const std::string& path, std::string& text) {
    aim::FileFacts f = aim::ExtractFacts(path, text);
    if (f.items.empty()) return;
    const aim::Item& it = f.items[Pick(f.items.size())];
    std::vector<std::string> lines = Lines(text);
    if (it.end_line > lines.size() || it.line == 0) return;
    // Remove whole lines of the item (its attributes stay: harmless).
    lines.erase(lines.begin() + (it.line - 1), lines.begin() + it.end_line);
    text = Join(lines);
  }

  void RenameFn(std::string& text) {
    size_t n = 0;
    for (size_t p = text.find("fn "); p != std::string::npos;
         p = text.find("fn ", p + 3))
      ++n;
    if (n == 0) return;
    size_t k = Pick(n);
    size_t p = text.find("fn ");
    while (k-- > 0) p = text.find("fn ", p + 3);
    size_t name = p + 3;
    size_t e = name;
    while (e < text.size() && (isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_')) ++e;
    if (e > name) text.insert(e, "_r" + std::to_string(counter_++));
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    std::string l;
    while (std::getline(ss, l)) lines.push_back(l);
    return lines;
  }
  static std::string Join(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
  }

  std::map<std::string, std::string> tree_;
  std::map<std::string, std::string> removed_;
  std::mt19937_64 rng_;
  int counter_ = 0;
};

const std::map<std::string, std::string> kFixture = {
    {"src/lib.rs",
     "pub mod shapes;\nmod util;\npub use shapes::*;\nuse util::helper;\n"
     "pub fn top() { helper(); shapes::Circle::new(1.0).area(); }\n"
     "pub trait Named { fn name(&self) -> String { helper(); String::new() } }\n"},
    {"src/shapes/mod.rs",
     "mod circle;\npub use circle::Circle;\npub trait Shape { fn area(&self) -> f64; }\n"
     "pub trait Area: Shape {}\nimpl<T: Shape> Area for T {}\n"
     "pub fn visit(v: &dyn Shape) -> f64 { v.area() }\n"},
    {"src/shapes/circle.rs",
     "use super::Shape;\nuse crate::util::helper as h;\n#[derive(Debug, Clone)]\n"
     "pub struct Circle { r: f64 }\nimpl Circle { pub fn new(r: f64) -> Self { h(); Self { r } } }\n"
     "impl Shape for Circle { fn area(&self) -> f64 { self.r * Self::new(1.0).r } }\n"
     "impl crate::Named for Circle {}\n"},
    {"src/util.rs",
     "pub fn helper() -> u32 { super::top(); 1 }\npub(crate) struct Visitor;\n"
     "impl Visitor { fn visit(&self) { helper(); } }\n"},
};

void RunEdits(const std::string& crate, std::map<std::string, std::string> tree,
              uint64_t seed, int steps, int check_every) {
  Graph g;
  g.BeginBatch();
  for (const auto& [p, t] : tree) g.UpsertFile(Input(crate, p, t));
  g.EndBatch();
  ASSERT_EQ(g.Digest(), ScratchDigest(crate, tree, false));
  Editor ed(std::move(tree), seed);
  for (int step = 1; step <= steps; ++step) {
    auto [path, exists] = ed.Step();
    if (exists) {
      g.UpsertFile(Input(crate, path, ed.tree().at(path)));
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
    RunEdits("fixture", kFixture, seed, 60, 1);
}

TEST(IncrementalTest, FileOrderDoesNotMatter) {
  EXPECT_EQ(ScratchDigest("fixture", kFixture, false),
            ScratchDigest("fixture", kFixture, true));
}

TEST(IncrementalTest, RemovingEverythingLeavesAnEmptyGraph) {
  Graph g;
  for (const auto& [p, t] : kFixture) g.UpsertFile(Input("fixture", p, t));
  EXPECT_GT(g.edge_count(), 0u);
  for (const auto& [p, t] : kFixture) EXPECT_TRUE(g.RemoveFile(p));
  EXPECT_EQ(g.entity_count(), 0u);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_EQ(g.Digest(), Graph().Digest());
  EXPECT_FALSE(g.RemoveFile("src/lib.rs"));
}

TEST(IncrementalTest, RealCrateRandomEdits) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1/src";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not installed";
  std::map<std::string, std::string> tree;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".rs") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    tree["src/" + std::filesystem::relative(e.path(), dir).generic_string()] =
        ss.str();
  }
  ASSERT_GT(tree.size(), 10u);
  for (uint64_t seed = 1; seed <= 4; ++seed)
    RunEdits("regex", tree, seed, 40, 10);
}

}  // namespace
