// Where files sit in a workspace (engine/graph/layout.h): crate and module
// from a path, and what a Cargo.toml says a package may use; and the
// workspace scan that fills FileInput::deps from it.
#include "engine/graph/layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/workspace.h"

namespace aim::graph {
namespace {

using Strings = std::vector<std::string>;

TEST(LayoutTest, PlaceFile) {
  auto place = [](std::string_view rel) {
    FilePlace p = PlaceFile(rel, "alpha-core");
    return p.crate + "|" + p.module;
  };
  EXPECT_EQ(place("src/lib.rs"), "alpha_core|");
  EXPECT_EQ(place("src/net/mod.rs"), "alpha_core|net");
  EXPECT_EQ(place("src/net/tcp-x.rs"), "alpha_core|net::tcp_x");
  EXPECT_EQ(place("src/bin/tool.rs"), "tool|");
  EXPECT_EQ(place("tests/it.rs"), "it|");
  EXPECT_EQ(place("build.rs"), "build_script_build|");
}

constexpr std::string_view kManifest = R"(
[package]
name = "my-app"
version = "0.1.0"

[dependencies]
serde = "1"
tokio-util = { version = "0.7" }
rx = { package = "regex-lite", version = "0.1" }

[dev-dependencies]
quickcheck = "1"

[build-dependencies]
cc = "1"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[target.'cfg(windows)'.dev-dependencies]
winapi = "0.3"
)";

TEST(LayoutTest, ManifestDependencies) {
  std::optional<Manifest> m = ReadManifest(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->package, "my-app");
  // By the package's crate name: a renamed dependency is its package.
  EXPECT_EQ(m->deps, (Strings{"libc", "regex_lite", "serde", "tokio_util"}));
  EXPECT_EQ(m->dev_deps, (Strings{"quickcheck", "winapi"}));
  EXPECT_EQ(m->build_deps, (Strings{"cc"}));
  EXPECT_EQ(PackageName(kManifest), "my-app");
}

TEST(LayoutTest, WhatEachFileMayUse) {
  const Manifest m = *ReadManifest(kManifest);
  const Strings deps = {"libc", "regex_lite", "serde", "tokio_util"};
  const Strings dev = {"quickcheck", "winapi"};
  Strings with_lib = deps;
  with_lib.insert(with_lib.begin() + 1, "my_app");
  // The library (its unit tests use dev-dependencies) and the other
  // crates of the package, which use the library too.
  EXPECT_EQ(FileDeps("src/lib.rs", m), (CrateDeps{with_lib, dev}));
  EXPECT_EQ(FileDeps("tests/it.rs", m), (CrateDeps{with_lib, dev}));
  EXPECT_EQ(FileDeps("src/bin/tool.rs", m), (CrateDeps{with_lib, dev}));
  EXPECT_EQ(FileDeps("build.rs", m), (CrateDeps{{"cc"}, {}}));
}

TEST(LayoutTest, ManifestsWithoutPackageOrNotToml) {
  std::optional<Manifest> ws = ReadManifest("[workspace]\nmembers = [\"a\"]\n");
  ASSERT_TRUE(ws.has_value());
  EXPECT_EQ(ws->package, "");
  EXPECT_TRUE(ws->deps.empty());
  EXPECT_FALSE(PackageName("[workspace]\n").has_value());
  EXPECT_FALSE(ReadManifest("[package\nname = ").has_value());
  // A dependency table of the wrong type is ignored, not fatal.
  std::optional<Manifest> odd =
      ReadManifest("[package]\nname = \"x\"\ndependencies = 3\n");
  ASSERT_TRUE(odd.has_value());
  EXPECT_TRUE(odd->deps.empty());
}

TEST(LayoutTest, ScanFillsWhatEachFileMayUse) {
  auto files = host::ScanWorkspace(std::string(AIM_SOURCE_DIR) +
                                   "/tests/fixtures/workspace");
  ASSERT_TRUE(files.ok()) << files.status();
  size_t app = 0, core = 0;
  for (const host::SourceFile& f : *files) {
    ASSERT_TRUE(f.input.deps.has_value()) << f.input.path;
    if (f.input.crate == "app") {
      ++app;
      EXPECT_EQ(f.input.deps->deps, (Strings{"alpha_core", "app"})) << f.input.path;
    } else if (f.input.crate == "alpha_core") {
      ++core;
      EXPECT_EQ(f.input.deps->deps, (Strings{"alpha_core"})) << f.input.path;
    }
  }
  EXPECT_GT(app, 0u);
  EXPECT_GT(core, 0u);
  // Outside any package: unknown.
  auto loose = host::ScanWorkspace(std::string(AIM_SOURCE_DIR) +
                                   "/tests/fixtures/workspace/app/src");
  ASSERT_TRUE(loose.ok());
  ASSERT_FALSE(loose->empty());
  EXPECT_FALSE((*loose)[0].input.deps.has_value());
}

}  // namespace
}  // namespace aim::graph
