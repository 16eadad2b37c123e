// Scanning a Rust workspace on disk: its source files, and each file's
// crate and module (from the nearest Cargo.toml with a [package] name).
#ifndef AIM_ACTORS_WORKSPACE_H_
#define AIM_ACTORS_WORKSPACE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"

namespace aim::host {

struct SourceFile {
  std::string abs_path;   // on disk
  graph::FileInput input;  // path relative to the root, crate, module
};

struct ScanOptions {
  // Directory names never entered (besides hidden ones).
  std::vector<std::string> skip_dirs = {"target"};
  // An absolute directory never entered (the database, if inside the tree).
  std::string skip_abs;
};

// Lists every *.rs file under `root` (sorted by relative path) with its
// place in the workspace. A file outside any package takes the name of the
// root directory as its crate. Errors: `root` missing or unreadable.
absl::StatusOr<std::vector<SourceFile>> ScanWorkspace(
    const std::string& root, const ScanOptions& options = {});

// The place of one file, given the workspace root (for files that change
// after a scan). `rel` is relative to `root`.
graph::FileInput PlaceOneFile(const std::string& root, const std::string& rel);

}  // namespace aim::host

#endif  // AIM_ACTORS_WORKSPACE_H_
