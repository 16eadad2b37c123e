#include "recovery/file_input_codec.h"

#include <string>

#include "engine/model/facts_codec.h"

namespace aim::recovery {

using model::coding::PutString;
using model::coding::PutVarint64;
using model::coding::Reader;

void EncodeFileInput(const graph::FileInput& input, std::string* out) {
  // Naming every field: a new FileInput field breaks the build here.
  const auto& [path, crate, module, facts, deps] = input;
  out->push_back(static_cast<char>(kFileInputFormat));
  PutString(out, path);
  PutString(out, crate);
  PutString(out, module);
  // What the file's crate may use: 0 (unknown), or 1 + the number of its
  // dependencies, each, then the number of its dev-dependencies, each.
  PutVarint64(out, deps ? deps->deps.size() + 1 : 0);
  if (deps) {
    for (const std::string& d : deps->deps) PutString(out, d);
    PutVarint64(out, deps->dev_deps.size());
    for (const std::string& d : deps->dev_deps) PutString(out, d);
  }
  model::EncodeFileFacts(facts, out);
}

void ReadFileInput(Reader& r, graph::FileInput* out) {
  size_t start = r.offset();
  uint8_t format = r.Byte("FileInput format");
  if (r.ok() && (format == 0 || format > kFileInputFormat)) {
    if (format > kFileInputFormat) {
      r.Fail(absl::FailedPreconditionError(
          "FileInput format " + std::to_string(format) + " at byte " +
          std::to_string(start) + " is newer than this build reads (" +
          std::to_string(kFileInputFormat) + ")"));
    } else {
      r.Fail("FileInput format", "unknown format 0");
    }
  }
  auto& [path, crate, module, facts, deps] = *out;
  r.String(&path, "FileInput path");
  r.String(&crate, "FileInput crate");
  r.String(&module, "FileInput module");
  deps.reset();
  if (r.ok() && format >= 2) {
    // Each crate name takes at least one byte: counts beyond the rest are
    // damage.
    const uint64_t n = r.Varint64("FileInput deps count");
    if (r.ok() && n > r.remaining() + 1) r.Fail("FileInput deps count", "too large");
    if (r.ok() && n > 0) {
      deps.emplace();
      deps->deps.resize(n - 1);
      for (std::string& d : deps->deps) r.String(&d, "FileInput dep");
      const uint64_t m = r.Varint64("FileInput dev-deps count");
      if (r.ok() && m > r.remaining()) r.Fail("FileInput dev-deps count", "too large");
      if (r.ok()) deps->dev_deps.resize(m);
      for (std::string& d : deps->dev_deps) r.String(&d, "FileInput dev-dep");
    }
  }
  if (r.ok()) model::ReadFileFacts(r, &facts);
}

absl::StatusOr<graph::FileInput> DecodeFileInput(std::string_view* in) {
  Reader r(*in);
  graph::FileInput input;
  ReadFileInput(r, &input);
  if (!r.ok()) return r.status();
  in->remove_prefix(r.offset());
  return input;
}

}  // namespace aim::recovery
