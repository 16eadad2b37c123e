// Where a source file sits in a Rust workspace: its crate and module path.
// Pure functions of paths and Cargo.toml text; no file system access.
#ifndef AIM_ENGINE_GRAPH_LAYOUT_H_
#define AIM_ENGINE_GRAPH_LAYOUT_H_

#include <optional>
#include <string>
#include <string_view>

namespace aim::graph {

struct FilePlace {
  std::string crate;   // crate name, `-` replaced by `_`
  std::string module;  // "" for a crate root, else "a::b"
};

// `rel` is the file's path relative to its package directory (the one with
// the Cargo.toml), '/' separated; `package` the package name from it.
//   src/lib.rs, src/main.rs      -> package crate, root
//   src/a.rs, src/a/mod.rs       -> package crate, module a
//   src/a/b.rs                   -> package crate, module a::b
//   src/bin/x.rs, src/bin/x/main.rs -> crate x (a binary), root
//   tests/x.rs, examples/x.rs, benches/x.rs -> crate x, root
//   tests/x/mod.rs, tests/x/y.rs -> crate x, root / module y
//   build.rs                     -> crate build_script_build, root
FilePlace PlaceFile(std::string_view rel, std::string_view package);

// The `[package] name` of a Cargo.toml, or nullopt (a virtual workspace
// manifest, or text that is not TOML).
std::optional<std::string> PackageName(std::string_view cargo_toml);

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_LAYOUT_H_
