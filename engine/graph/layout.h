// Where a source file sits in a Rust workspace: its crate and module path.
// Pure functions of paths and Cargo.toml text; no file system access.
#ifndef AIM_ENGINE_GRAPH_LAYOUT_H_
#define AIM_ENGINE_GRAPH_LAYOUT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// What a Cargo.toml says of its package: its name, and the crates its code
// may use. A dependency is named as the graph names crates: its package's
// name (`foo = { package = "bar" }` is `bar`), `-` replaced by `_`.
// Target-specific tables (`[target.'cfg(..)'.dependencies]`) count.
struct Manifest {
  std::string package;  // [package] name; "" for a virtual manifest
  std::vector<std::string> deps, dev_deps, build_deps;
};
// nullopt for text that is not TOML.
std::optional<Manifest> ReadManifest(std::string_view cargo_toml);

// What a file's crate may use, by crate name, sorted (FileInput::deps).
struct CrateDeps {
  // Its dependencies: what its code uses, and what its dependents may use
  // through it.
  std::vector<std::string> deps;
  // What its own code may use besides (dev-dependencies: tests, examples,
  // benches, and the unit tests in src/); its dependents do not see them.
  std::vector<std::string> dev_deps;
  bool operator==(const CrateDeps&) const = default;
};

// What a file of `m`'s package at `rel` (as for PlaceFile) may use:
// build.rs its [build-dependencies]; the library and binaries their
// [dependencies] and [dev-dependencies] (unit tests live in src/); tests,
// examples, benches and binaries also the package's library.
CrateDeps FileDeps(std::string_view rel, const Manifest& m);

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_LAYOUT_H_
