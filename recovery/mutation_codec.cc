#include "recovery/mutation_codec.h"

#include <algorithm>

#include "engine/model/coding.h"
#include "recovery/file_input_codec.h"

namespace aim::recovery {

using model::coding::PutString;
using model::coding::PutVarint64;
using model::coding::Reader;

namespace {
constexpr uint64_t kHasRoot = 1;

// Where the one upsert's FileInput begins in an encoded mutation that is
// exactly one upsert (EncodeMutation's shape: format, flags 0, no
// removals, one upsert), with its path; 0 for any other mutation.
size_t OneUpsertAt(std::string_view payload, std::string* path) {
  Reader r(payload);
  bool one_upsert = r.Byte("mutation format") == kMutationFormat &&
                    r.Varint64("mutation flags") == 0 &&
                    r.Varint64("mutation removal count") == 0 &&
                    r.Varint64("mutation upsert count") == 1;
  const size_t input_at = r.offset();
  const uint8_t input_format = one_upsert ? r.Byte("FileInput format") : 0;
  one_upsert = one_upsert && input_format >= 1 && input_format <= kFileInputFormat;
  if (one_upsert) r.String(path, "FileInput path");
  return one_upsert && r.ok() ? input_at : 0;
}

}  // namespace

std::string_view MutationKey(const Mutation& m) {
  if (m.root || !m.removals.empty() || m.upserts.size() != 1) return {};
  return m.upserts[0].path;
}

void EncodeMutation(const Mutation& m, std::string* out) {
  out->push_back(static_cast<char>(kMutationFormat));
  PutVarint64(out, m.root ? kHasRoot : 0);
  if (m.root) PutString(out, *m.root);
  PutVarint64(out, m.removals.size());
  for (const std::string& p : m.removals) PutString(out, p);
  PutVarint64(out, m.upserts.size());
  for (const graph::FileInput& f : m.upserts) EncodeFileInput(f, out);
}

absl::StatusOr<Mutation> DecodeMutation(std::string_view bytes) {
  Reader r(bytes);
  Mutation m;
  const uint8_t format = r.Byte("mutation format");
  if (r.ok() && format != kMutationFormat) {
    if (format > kMutationFormat)
      return absl::FailedPreconditionError(
          "mutation format " + std::to_string(format) +
          " is newer than this build reads (" + std::to_string(kMutationFormat) + ")");
    r.Fail("mutation format", "unknown format " + std::to_string(format));
  }
  const uint64_t flags = r.Varint64("mutation flags");
  if (r.ok() && (flags & ~kHasRoot) != 0) r.Fail("mutation flags", "unknown flags");
  if (r.ok() && (flags & kHasRoot)) {
    m.root.emplace();
    r.String(&*m.root, "mutation root");
  }
  // Each entry takes at least one byte: counts beyond the rest are damage.
  uint64_t n = r.Varint64("mutation removal count");
  if (r.ok() && n > r.remaining()) r.Fail("mutation removal count", "too large");
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    m.removals.emplace_back();
    r.String(&m.removals.back(), "mutation removal");
  }
  n = r.Varint64("mutation upsert count");
  if (r.ok() && n > r.remaining()) r.Fail("mutation upsert count", "too large");
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    m.upserts.emplace_back();
    ReadFileInput(r, &m.upserts.back());
  }
  if (r.ok() && r.remaining() != 0) r.Fail("mutation", "trailing bytes");
  if (!r.ok()) return r.status();
  return m;
}

void ApplyMutation(const Mutation& m, graph::Graph& g, std::string* root) {
  if (m.root && root != nullptr) *root = *m.root;
  for (const std::string& p : m.removals) g.RemoveFile(p);
  for (const graph::FileInput& f : m.upserts) g.UpsertFile(f);
}

MutationFold::Last& MutationFold::At(std::string_view path) {
  return last_[std::string(path)];
}

void MutationFold::Add(Mutation m) {
  ++added_;
  if (m.root) root_ = std::move(m.root);
  // Within one mutation removals come first, as ApplyMutation does them.
  for (const std::string& p : m.removals) At(p).how = Last::How::kRemoved;
  for (graph::FileInput& f : m.upserts) {
    Last& last = At(f.path);
    last.how = Last::How::kFacts;
    last.facts = std::move(f);
  }
}

absl::Status MutationFold::AddEncoded(uint64_t lsn, std::string_view payload) {
  // A save is kept encoded: its FileInput runs to the end of the payload.
  std::string path;
  const size_t input_at = OneUpsertAt(payload, &path);
  if (input_at == 0) {
    absl::StatusOr<Mutation> m = DecodeMutation(payload);
    if (!m.ok()) return m.status();
    Add(std::move(*m));
    return absl::OkStatus();
  }
  ++added_;
  Last& last = At(path);
  last.how = Last::How::kEncoded;
  last.facts = graph::FileInput();
  last.encoded.assign(payload.substr(input_at));  // reuses the buffer
  last.lsn = lsn;
  return absl::OkStatus();
}

absl::Status MutationFold::AddRecord(const wal::RecordView& record) {
  if (record.key.empty()) {
    if (absl::Status s = wal::UnpackPayload(record.body, &unpacked_); !s.ok())
      return s;
    return AddEncoded(record.lsn, unpacked_);
  }
  ++added_;
  Last& last = At(record.key);
  last.how = Last::How::kPacked;
  last.facts = graph::FileInput();
  last.encoded.assign(record.body.bytes);
  last.raw_length = record.body.raw_length;
  last.zstd = record.body.zstd;
  last.lsn = record.lsn;
  return absl::OkStatus();
}

absl::StatusOr<graph::FileInput> MutationFold::Decode(std::string_view path,
                                                      Last& f) {
  std::string_view in = f.encoded;
  if (f.how == Last::How::kPacked) {
    if (absl::Status s = wal::UnpackPayload(
            {f.encoded, f.raw_length, f.zstd}, &unpacked_);
        !s.ok())
      return s;
    std::string saved;
    const size_t at = OneUpsertAt(unpacked_, &saved);
    if (at == 0 || saved != path)
      return absl::DataLossError("it is keyed with " + std::string(path) +
                                 " but is not one save of that file");
    in = std::string_view(unpacked_).substr(at);
  }
  absl::StatusOr<graph::FileInput> input = DecodeFileInput(&in);
  if (input.ok() && !in.empty())
    input = absl::DataLossError("mutation: trailing bytes");
  f.encoded = std::string();  // decoded: free the bytes
  return input;
}

absl::StatusOr<Mutation> MutationFold::Take() {
  Mutation m;
  Parts parts;
  parts.root = [&m](std::string root) {
    m.root = std::move(root);
    return absl::OkStatus();
  };
  parts.removed = [&m](std::string path) {
    m.removals.push_back(std::move(path));
    return absl::OkStatus();
  };
  parts.upserted = [&m](graph::FileInput facts) {
    m.upserts.push_back(std::move(facts));
    return absl::OkStatus();
  };
  if (absl::Status s = Drain(parts); !s.ok()) return s;
  return m;
}

absl::Status MutationFold::Drain(const Parts& parts) {
  // Whatever happens, the fold is empty afterwards.
  absl::flat_hash_map<std::string, Last> last = std::move(last_);
  std::optional<std::string> root = std::move(root_);
  last_.clear();
  root_.reset();
  added_ = 0;
  if (root)
    if (absl::Status s = parts.root(std::move(*root)); !s.ok()) return s;
  std::vector<std::pair<std::string_view, Last*>> paths;
  paths.reserve(last.size());
  for (auto& [p, f] : last) paths.emplace_back(p, &f);
  std::sort(paths.begin(), paths.end());
  for (const auto& [p, f] : paths) {
    if (f->how != Last::How::kRemoved) continue;
    if (absl::Status s = parts.removed(std::string(p)); !s.ok()) return s;
  }
  for (const auto& [p, fp] : paths) {
    Last& f = *fp;
    if (f.how == Last::How::kRemoved) continue;
    if (f.how == Last::How::kFacts) {
      if (absl::Status s = parts.upserted(std::move(f.facts)); !s.ok())
        return s;
      continue;
    }
    absl::StatusOr<graph::FileInput> input = Decode(p, f);
    if (!input.ok())
      return absl::Status(input.status().code(),
                          "record LSN " + std::to_string(f.lsn) +
                              " verifies but does not decode: " +
                              std::string(input.status().message()));
    if (absl::Status s = parts.upserted(std::move(*input)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace aim::recovery
