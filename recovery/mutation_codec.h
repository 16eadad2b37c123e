// The WAL payload of the engine: one group of file-level mutations (a
// file's new facts, its removal, and optionally the workspace root).
// Replaying a mutation through ApplyMutation is how both the live engine
// and recovery change the graph, so replay rebuilds exactly the same graph.
//
// Same guarantees as the other codecs: exact round trip, a leading format
// byte (FailedPrecondition for a newer one), DataLoss naming the field and
// offset for damage, safe on any input.
#ifndef AIM_RECOVERY_MUTATION_CODEC_H_
#define AIM_RECOVERY_MUTATION_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/graph/graph.h"

namespace aim::recovery {

inline constexpr uint8_t kMutationFormat = 1;

struct Mutation {
  std::optional<std::string> root;        // a new workspace root
  std::vector<graph::FileInput> upserts;  // files with their new facts
  std::vector<std::string> removals;      // paths withdrawn
};

void EncodeMutation(const Mutation& m, std::string* out);
absl::StatusOr<Mutation> DecodeMutation(std::string_view bytes);

// Applies removals, then upserts (a path in both ends up upserted). The
// caller brackets many with BeginBatch/EndBatch when replaying.
void ApplyMutation(Mutation m, graph::Graph& g, std::string* root);

// Folds a run of mutations into one with the same effect on a graph: the
// last upsert or removal of each path, and the last root. Sound because a
// graph's state is a function of the set of its files' facts, whatever the
// order of the edits that brought them (graph.h); replay then rebuilds each
// file once however often the log changed it.
class MutationFold {
 public:
  void Add(Mutation m);
  // The folded mutation (removals, then upserts, each in path order); the
  // fold is empty again afterwards.
  Mutation Take();
  size_t added() const { return added_; }

 private:
  std::optional<std::string> root_;
  // path -> its last facts, or nullopt for a removal.
  absl::flat_hash_map<std::string, std::optional<graph::FileInput>> last_;
  size_t added_ = 0;
};

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_MUTATION_CODEC_H_
