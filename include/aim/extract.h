// The Rust extractor: (path, bytes) -> FileFacts.
//
// A pure function with no shared state: safe to call from any number of
// threads at once. It never throws, never reads the file system, and
// terminates in time linear in the input on any bytes at all (invalid
// UTF-8, unbalanced delimiters, 10,000-deep nesting): problems become
// `FileFacts::errors` entries with line and column, and the file's other
// items are still extracted.
#ifndef AIM_EXTRACT_H_
#define AIM_EXTRACT_H_

#include <cstdint>
#include <string_view>

#include "aim/facts.h"

namespace aim {

struct ExtractOptions {
  // Nesting of delimiters deeper than this is reported as an error and the
  // deepest group is skipped (it bounds the extractor's stack use).
  uint32_t max_nesting = 256;
};

// Extracts the facts of one file. `path` is recorded as FileFacts::file.
FileFacts ExtractFacts(std::string_view path, std::string_view bytes,
                       const ExtractOptions& options = {});

// XXH3-64 of `bytes`: the content hash used to skip unchanged files.
uint64_t ContentHash(std::string_view bytes);

}  // namespace aim

#endif  // AIM_EXTRACT_H_
