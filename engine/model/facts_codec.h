// Binary encoding of aim::FileFacts: the unit of a WAL record and of a
// checkpoint. Compact (LEB128 varints, length-prefixed strings, booleans
// packed into one flags byte per fact), versioned (a leading format byte),
// and exact: Decode(Encode(f)) == f, field for field.
//
// Decoding is safe on any input. Damaged or hostile bytes give an error,
// never a crash, and never an allocation larger than a small multiple of the
// input: every length and count is checked against the bytes that remain.
// Besides the structure, the decoder checks the facts' index invariants
// that the graph relies on (it indexes with them unchecked):
//   Item::parent        in [-1, own index)   (an enclosing item comes first)
//   Item::impl          in [-1, impls.size())
//   Impl::parent, Call::caller_item, Import::scope_item, TypeUse::from_item
//                       in [-1, items.size())
//   kinds are known ItemKind values; unused flag bits are zero.
// Facts produced by the extractor always satisfy them.
//
// Errors: absl::DataLossError for damaged bytes (truncated, overlong,
// out-of-range, trailing garbage where the caller expects none);
// absl::FailedPreconditionError for a format byte newer than this build
// reads. Messages name the field and the byte offset.
//
// Layout (format 1) is described in recovery/FORMAT.md ("FileFacts").
#ifndef AIM_ENGINE_MODEL_FACTS_CODEC_H_
#define AIM_ENGINE_MODEL_FACTS_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aim/facts.h"
#include "engine/model/coding.h"

namespace aim::model {

// 1: the first. 2: each item's and impl's text hash, in two columns after
// the facts (format 1 reads as text hash 0, unknown).
inline constexpr uint8_t kFactsFormat = 2;

// Appends the encoding of `facts` to *out.
void EncodeFileFacts(const FileFacts& facts, std::string* out);

// Decodes one FileFacts from the front of *in and, on success, advances *in
// past it (trailing bytes are left for the caller). On error *in is
// unchanged.
absl::StatusOr<FileFacts> DecodeFileFacts(std::string_view* in);

// The same, for codecs that embed FileFacts in a larger record: reads from
// `r` (errors carry r's offsets). Check r.ok() afterwards.
void ReadFileFacts(coding::Reader& r, FileFacts* out);

}  // namespace aim::model

#endif  // AIM_ENGINE_MODEL_FACTS_CODEC_H_
