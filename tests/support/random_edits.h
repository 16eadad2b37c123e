// Random edit sequences over in-memory Rust sources, for the tests that
// check incremental updates (and images) against fresh ingests.
#ifndef AIM_TESTS_SUPPORT_RANDOM_EDITS_H_
#define AIM_TESTS_SUPPORT_RANDOM_EDITS_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/graph.h"

namespace aim::testing {

// The input of one in-memory file of package `crate` (its place from its
// path, as under src/), with its facts extracted.
graph::FileInput SourceInput(const std::string& crate, const std::string& path,
                             const std::string& text);

// Reads every *.rs file under `dir` into a tree keyed "src/<relative path>"
// (empty if `dir` does not exist).
std::map<std::string, std::string> ReadSourceTree(const std::string& dir);

// A small crate with modules, re-exports, globs, traits, impls and calls
// that resolve in every way the graph knows.
extern const std::map<std::string, std::string> kEditFixture;

// Random edits over a set of Rust files. Each edit changes one file's text
// (or adds/removes a file) in ways that move definitions and references:
// add/remove/restore files, delete items, rename fns, add fns with calls,
// add structs with trait impls, body-only edits.
class RandomEditor {
 public:
  RandomEditor(std::map<std::string, std::string> tree, uint64_t seed)
      : tree_(std::move(tree)), rng_(seed) {}

  const std::map<std::string, std::string>& tree() const { return tree_; }

  // Applies one random edit; returns the path touched and whether it still
  // exists.
  std::pair<std::string, bool> Step();

 private:
  size_t Pick(size_t n);
  std::pair<std::string, bool> AddFile();
  std::string RandomName();
  std::string RandomCalls();
  void DeleteItem(const std::string& path, std::string& text);
  void RenameFn(std::string& text);

  std::map<std::string, std::string> tree_;
  std::map<std::string, std::string> removed_;
  std::mt19937_64 rng_;
  int counter_ = 0;
};

// Applies `editor.Step()`'s edit to `g`.
void ApplyEdit(graph::Graph& g, const std::string& crate,
               const RandomEditor& editor,
               const std::pair<std::string, bool>& edit);

}  // namespace aim::testing

#endif  // AIM_TESTS_SUPPORT_RANDOM_EDITS_H_
