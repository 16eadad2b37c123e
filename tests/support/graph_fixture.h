// Building graphs from directories on disk, for tests.
#ifndef AIM_TESTS_SUPPORT_GRAPH_FIXTURE_H_
#define AIM_TESTS_SUPPORT_GRAPH_FIXTURE_H_

#include <map>
#include <string>
#include <vector>

#include "engine/graph/graph.h"

namespace aim::testing {

// Scans `root`, extracts every file and returns the inputs (sorted by path).
std::vector<graph::FileInput> LoadTree(const std::string& root);

// Extracts in-memory sources: relative path -> text, all in one package
// named `crate` (module paths from the file paths, as under src/).
std::vector<graph::FileInput> FromSources(
    const std::string& crate, const std::map<std::string, std::string>& files);

// Ingests inputs into `g` in one batch.
void IngestAll(graph::Graph& g, const std::vector<graph::FileInput>& inputs);

// Human-readable edges of `g`: "calls a::f -> a::g (exact)", sorted.
std::vector<std::string> EdgeStrings(const graph::Graph& g,
                                     bool with_contains = false);

}  // namespace aim::testing

#endif  // AIM_TESTS_SUPPORT_GRAPH_FIXTURE_H_
