#include "actors/workspace.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "engine/graph/layout.h"

namespace aim::host {
namespace {

namespace fs = std::filesystem;

// The manifest of the package whose directory is `dir`, if `dir` has a
// Cargo.toml with a [package] name.
std::optional<graph::Manifest> ReadPackage(const fs::path& dir) {
  std::ifstream in(dir / "Cargo.toml", std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::optional<graph::Manifest> m = graph::ReadManifest(ss.str());
  if (!m || m->package.empty()) return std::nullopt;
  return m;
}

// A file's package: its directory (empty if none) and manifest.
struct Package {
  fs::path dir;
  graph::Manifest manifest;
};

// The package of a file, searching upwards from its directory to the
// root; memoised per directory.
class PackageFinder {
 public:
  explicit PackageFinder(fs::path root) : root_(std::move(root)) {}

  const Package& Find(const fs::path& dir) {
    auto it = cache_.find(dir);
    if (it != cache_.end()) return it->second;
    Package result;
    if (auto m = ReadPackage(dir)) {
      result = {dir, std::move(*m)};
    } else if (dir != root_ && dir.has_parent_path() &&
               dir.parent_path() != dir &&
               dir.string().size() > root_.string().size()) {
      result = Find(dir.parent_path());
    }
    return cache_[dir] = std::move(result);
  }

 private:
  fs::path root_;
  std::map<fs::path, Package> cache_;
};

// `file` relative to `dir`, when `file` lies under `dir` (both as walked
// from the same canonical root: a prefix test, no system calls).
std::string RelativeTo(const fs::path& file, const fs::path& dir) {
  std::string f = file.generic_string();
  std::string d = dir.generic_string();
  if (f.size() > d.size() && f.compare(0, d.size(), d) == 0 &&
      (f[d.size()] == '/' || d.back() == '/'))
    return f.substr(d.back() == '/' ? d.size() : d.size() + 1);
  std::error_code ec;
  return fs::relative(file, dir, ec).generic_string();
}

graph::FileInput Place(PackageFinder& finder, const fs::path& root,
                       const fs::path& file) {
  graph::FileInput in;
  in.path = RelativeTo(file, root);
  const Package& pkg = finder.Find(file.parent_path());
  if (pkg.dir.empty()) {
    // Outside any package: what it may use is unknown.
    std::string name = root.filename().string();
    if (name.empty()) name = "crate";
    graph::FilePlace p = graph::PlaceFile(in.path, name);
    in.crate = p.crate;
    in.module = p.module;
  } else {
    const std::string rel = RelativeTo(file, pkg.dir);
    graph::FilePlace p = graph::PlaceFile(rel, pkg.manifest.package);
    in.crate = p.crate;
    in.module = p.module;
    in.deps = graph::FileDeps(rel, pkg.manifest);
  }
  return in;
}

}  // namespace

absl::StatusOr<std::vector<SourceFile>> ScanWorkspace(
    const std::string& root_str, const ScanOptions& options) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(root_str, ec);
  if (ec || !fs::is_directory(root, ec))
    return absl::NotFoundError(root_str + ": not a directory");
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(
      root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return absl::PermissionDeniedError(root_str + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return absl::UnavailableError(root_str + ": " + ec.message());
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      bool skip = (!name.empty() && name[0] == '.') ||
                  std::find(options.skip_dirs.begin(), options.skip_dirs.end(),
                            name) != options.skip_dirs.end() ||
                  (!options.skip_abs.empty() && p == options.skip_abs);
      if (skip) it.disable_recursion_pending();
      continue;
    }
    if (p.extension() == ".rs" && it->is_regular_file(ec)) files.push_back(p);
  }
  PackageFinder finder(root);
  std::vector<SourceFile> out;
  out.reserve(files.size());
  for (const fs::path& f : files) {
    SourceFile s;
    s.abs_path = f.string();
    s.input = Place(finder, root, f);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const SourceFile& a, const SourceFile& b) {
    return a.input.path < b.input.path;
  });
  return out;
}

graph::FileInput PlaceOneFile(const std::string& root_str,
                              const std::string& rel) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(root_str, ec);
  PackageFinder finder(root);
  return Place(finder, root, root / rel);
}

}  // namespace aim::host
