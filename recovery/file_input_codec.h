// Binary encoding of graph::FileInput (a file's place in the workspace plus
// its facts): the per-file unit of checkpoints and, later, of WAL payloads.
// It lives here rather than in engine/model because FileInput is a graph
// type and engine/model must not depend on engine/graph.
//
// Same guarantees as engine/model/facts_codec.h: exact round trip, a leading
// format byte, safe on any input (DataLoss for damage, FailedPrecondition
// for a newer format), errors naming the field and byte offset.
#ifndef AIM_RECOVERY_FILE_INPUT_CODEC_H_
#define AIM_RECOVERY_FILE_INPUT_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "engine/model/coding.h"

namespace aim::recovery {

// 2: the crates the file's crate may use (FileInput::deps). Format 1
// (without them) is still read, as unknown.
inline constexpr uint8_t kFileInputFormat = 2;

// Appends the encoding of `input` to *out.
void EncodeFileInput(const graph::FileInput& input, std::string* out);

// Decodes one FileInput from the front of *in and, on success, advances *in
// past it. On error *in is unchanged.
absl::StatusOr<graph::FileInput> DecodeFileInput(std::string_view* in);

// The same over a Reader, for enclosing codecs. Check r.ok() afterwards.
void ReadFileInput(model::coding::Reader& r, graph::FileInput* out);

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_FILE_INPUT_CODEC_H_
