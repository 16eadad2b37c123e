// The WAL payload of the engine: one group of file-level mutations (a
// file's new facts, its removal, and optionally the workspace root).
// Applying a mutation as ApplyMutation does (removals, then upserts, through
// Graph::RemoveFile and Graph::UpsertFile) is how both the live engine and
// recovery change the graph, so replay rebuilds exactly the same graph.
//
// Same guarantees as the other codecs: exact round trip, a leading format
// byte (FailedPrecondition for a newer one), DataLoss naming the field and
// offset for damage, safe on any input.
#ifndef AIM_RECOVERY_MUTATION_CODEC_H_
#define AIM_RECOVERY_MUTATION_CODEC_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "wal/log_reader.h"

namespace aim::recovery {

inline constexpr uint8_t kMutationFormat = 1;

struct Mutation {
  std::optional<std::string> root;        // a new workspace root
  std::vector<graph::FileInput> upserts;  // files with their new facts
  std::vector<std::string> removals;      // paths withdrawn
};

void EncodeMutation(const Mutation& m, std::string* out);
// The WAL key of an encoded mutation: the path it saves when it is exactly
// one save (no root, no removals), else "" (see MutationFold::AddRecord).
std::string_view MutationKey(const Mutation& m);
absl::StatusOr<Mutation> DecodeMutation(std::string_view bytes);

// Applies removals, then upserts (a path in both ends up upserted). The
// caller brackets many with BeginBatch/EndBatch when replaying.
void ApplyMutation(const Mutation& m, graph::Graph& g, std::string* root);

// Folds a run of mutations into one with the same effect on a graph: the
// last upsert or removal of each path, and the last root. Sound because a
// graph's state is a function of the set of its files' facts, whatever the
// order of the edits that brought them (graph.h); replay then rebuilds each
// file once however often the log changed it.
class MutationFold {
 public:
  void Add(Mutation m);
  // Adds an encoded mutation (a WAL record's payload). A record that
  // upserts one file (what saving a file writes) is kept encoded, and
  // decoded by Take only if no later record replaces that file: replaying
  // a log that saved the same files again and again decodes each once.
  // Errors: as DecodeMutation's, for what it decodes now.
  absl::Status AddEncoded(uint64_t lsn, std::string_view payload);
  // Adds a WAL record as stored. A record keyed with a path (what
  // MutationKey gives a save) is kept packed, a copy of its bytes, and is
  // unpacked and decoded by Take/Drain only if no later record replaces
  // that file: replay neither decompresses nor copies out the saves a later
  // save replaced. Others are unpacked now (AddEncoded). Errors: as
  // AddEncoded's; a kept record whose payload is not one save of its key's
  // path is DataLoss naming its LSN (when it is taken).
  absl::Status AddRecord(const wal::RecordView& record);
  // The folded mutation (removals, then upserts, each in path order); the
  // fold is empty again afterwards. Errors: a kept record that does not
  // decode after all (the message names its LSN).
  absl::StatusOr<Mutation> Take();
  // The same, in parts, in the order ApplyMutation applies Take's result:
  // `root` when one was set, then `removed` for each path removed, then
  // `upserted` for each file's facts in path order, each decoded just
  // before it is handed over (so that a consumer on another thread can
  // apply one file while the next decodes). Stops at the first error: a
  // kept record that does not decode, or one a callback returns. The fold
  // is empty again afterwards, whatever the outcome.
  struct Parts {
    std::function<absl::Status(std::string root)> root;
    std::function<absl::Status(std::string path)> removed;
    std::function<absl::Status(graph::FileInput facts)> upserted;
  };
  absl::Status Drain(const Parts& parts);
  size_t added() const { return added_; }

 private:
  // A file's last state: removed, facts, or facts still encoded (an
  // encoded FileInput) or packed (a WAL record's body: a whole mutation).
  struct Last {
    enum class How { kRemoved, kFacts, kEncoded, kPacked } how = How::kRemoved;
    graph::FileInput facts;
    std::string encoded;  // kEncoded, kPacked
    uint32_t raw_length = 0;  // kPacked
    bool zstd = false;        // kPacked
    uint64_t lsn = 0;     // of the record `encoded` is from
  };
  absl::StatusOr<graph::FileInput> Decode(std::string_view path, Last& f);
  std::string unpacked_;  // scratch for kPacked
  Last& At(std::string_view path);
  std::optional<std::string> root_;
  absl::flat_hash_map<std::string, Last> last_;
  size_t added_ = 0;
};

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_MUTATION_CODEC_H_
