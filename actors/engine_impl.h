// The engine behind include/aim/engine.h (synchronous; the actor pipeline
// of the live engine builds on it).
#ifndef AIM_ACTORS_ENGINE_IMPL_H_
#define AIM_ACTORS_ENGINE_IMPL_H_

#include <memory>
#include <shared_mutex>
#include <string>

#include "aim/engine.h"
#include "engine/graph/graph.h"
#include "engine/query/search_index.h"

namespace aim::host {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(Options options);

  // Loads the checkpoint in the database directory, if there is one.
  absl::Status Load();

  absl::StatusOr<IngestReport> Ingest(
      const std::string& path,
      std::function<void(const IngestProgress&)> progress) override;
  absl::StatusOr<QueryResult> Query(const QueryRequest& request) const override;
  EngineStats Stats() const override;
  void ForEachEntity(
      const std::function<void(const EntityInfo&)>& fn) const override;
  void ForEachEdge(
      const std::function<void(const EdgeInfo&)>& fn) const override;
  uint64_t Digest() const override;

 private:
  std::string CheckpointPath() const;

  const Options options_;
  mutable std::shared_mutex mu_;  // guards everything below
  // Built on the first query when options_.search_index (guarded by
  // index_mu_ as well, since queries hold mu_ shared).
  mutable std::mutex index_mu_;
  mutable std::unique_ptr<query::SearchIndex> index_;
  std::unique_ptr<graph::Graph> graph_;
  uint64_t version_ = 0;
  std::string root_;
};

// Conversions from the graph to the public types.
EntityInfo ToEntityInfo(const graph::Graph& g, graph::EntityIdx e);
EdgeInfo ToEdgeInfo(const graph::Graph& g, graph::EntityIdx from,
                    const graph::Edge& edge);

// Runs one query against a graph (engine_query.cc).
// `index` (optional) must be in sync with `g`.
absl::StatusOr<QueryResult> RunQuery(const graph::Graph& g,
                                     const query::SearchIndex* index,
                                     const QueryRequest& request);

}  // namespace aim::host

#endif  // AIM_ACTORS_ENGINE_IMPL_H_
