#include "tests/support/graph_fixture.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "actors/workspace.h"
#include "aim/extract.h"
#include "engine/graph/layout.h"

namespace aim::testing {

std::vector<graph::FileInput> LoadTree(const std::string& root) {
  auto files = host::ScanWorkspace(root);
  std::vector<graph::FileInput> out;
  if (!files.ok()) return out;
  for (auto& f : *files) {
    std::ifstream in(f.abs_path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    graph::FileInput input = std::move(f.input);
    input.facts = ExtractFacts(input.path, ss.str());
    out.push_back(std::move(input));
  }
  return out;
}

std::vector<graph::FileInput> FromSources(
    const std::string& crate, const std::map<std::string, std::string>& files) {
  std::vector<graph::FileInput> out;
  for (const auto& [path, text] : files) {
    graph::FilePlace place = graph::PlaceFile(path, crate);
    graph::FileInput in;
    in.path = path;
    in.crate = place.crate;
    in.module = place.module;
    in.facts = ExtractFacts(path, text);
    out.push_back(std::move(in));
  }
  return out;
}

void IngestAll(graph::Graph& g, const std::vector<graph::FileInput>& inputs) {
  g.BeginBatch();
  for (const auto& in : inputs) g.UpsertFile(in);
  g.EndBatch();
}

std::vector<std::string> EdgeStrings(const graph::Graph& g,
                                     bool with_contains) {
  std::vector<std::string> out;
  for (graph::EntityIdx e : g.LiveEntities()) {
    for (const graph::Edge& ed : g.out(e)) {
      if (!with_contains && ed.kind == model::EdgeKind::kContains) continue;
      std::string s = std::string(model::EdgeKindName(ed.kind)) + " " +
                      g.qualified(e).str() + " -> " +
                      g.qualified(ed.other).str() + " (" +
                      std::string(model::ConfidenceName(ed.confidence)) + ")";
      if (g.entity(ed.other).kind == model::EntityKind::kExternal)
        s += " ext";
      out.push_back(std::move(s));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace aim::testing
