// Finding and reading Rust source files for the command-line tool.
#ifndef AIM_CLI_SOURCE_FILES_H_
#define AIM_CLI_SOURCE_FILES_H_

#include <string>
#include <vector>

namespace aim::cli {

struct SourceFile {
  std::string path;     // as found on disk
  std::string display;  // relative to the root given, with '/'
};

// `root` is a file (returned as is) or a directory, walked recursively for
// `*.rs` files, skipping `target/` and hidden directories; sorted by
// display path. Returns false and sets `error` if `root` does not exist or
// cannot be read.
bool FindRustFiles(const std::string& root, std::vector<SourceFile>& files,
                   std::string& error);

// Reads a whole file. Returns false and sets `error` on failure.
bool ReadFile(const std::string& path, std::string& bytes, std::string& error);

}  // namespace aim::cli

#endif  // AIM_CLI_SOURCE_FILES_H_
