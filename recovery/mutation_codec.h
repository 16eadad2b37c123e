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

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_MUTATION_CODEC_H_
