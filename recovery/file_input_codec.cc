#include "recovery/file_input_codec.h"

#include <string>

#include "engine/model/facts_codec.h"

namespace aim::recovery {

using model::coding::PutString;
using model::coding::Reader;

void EncodeFileInput(const graph::FileInput& input, std::string* out) {
  // Naming every field: a new FileInput field breaks the build here.
  const auto& [path, crate, module, facts] = input;
  out->push_back(static_cast<char>(kFileInputFormat));
  PutString(out, path);
  PutString(out, crate);
  PutString(out, module);
  model::EncodeFileFacts(facts, out);
}

void ReadFileInput(Reader& r, graph::FileInput* out) {
  size_t start = r.offset();
  uint8_t format = r.Byte("FileInput format");
  if (r.ok() && format != kFileInputFormat) {
    if (format > kFileInputFormat) {
      r.Fail(absl::FailedPreconditionError(
          "FileInput format " + std::to_string(format) + " at byte " +
          std::to_string(start) + " is newer than this build reads (" +
          std::to_string(kFileInputFormat) + ")"));
    } else {
      r.Fail("FileInput format", "unknown format 0");
    }
  }
  auto& [path, crate, module, facts] = *out;
  r.String(&path, "FileInput path");
  r.String(&crate, "FileInput crate");
  r.String(&module, "FileInput module");
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
