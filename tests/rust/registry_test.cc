// Robustness on real code: the extractor over every crate Debian installed
// under the cargo registry. No crash (the test binary also runs under ASan
// and UBSan), and no error on any file that is Rust rustc would accept.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "aim/extract.h"

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace {

namespace fs = std::filesystem;

// Files under the registry that are not Rust modules (so errors are right).
const std::set<std::string> kNotRust = {
    // A string literal pulled in with include_str! by compile_error!.
    "erased-serde-0.3.23/src/features_check/error.rs",
};

TEST(RegistryTest, EveryInstalledCrateParsesWithoutErrors) {
  const fs::path root = AIM_CARGO_REGISTRY;
  if (!fs::exists(root)) GTEST_SKIP() << root << " not installed";
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".rs" && it->is_regular_file(ec))
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 500u) << "expected the librust-*-dev crates";
  uint64_t lines = 0, items = 0, calls = 0;
  int failures = 0;
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    const std::string rel = fs::relative(p, root).generic_string();
    aim::FileFacts f = aim::ExtractFacts(rel, bytes);
    lines += f.lines;
    items += f.items.size();
    calls += f.calls.size();
    if (kNotRust.count(rel)) {
      EXPECT_FALSE(f.errors.empty()) << rel;
      continue;
    }
    for (const auto& e : f.errors) {
      if (++failures <= 20)
        ADD_FAILURE() << rel << ":" << e.line << ":" << e.col << ": "
                      << e.message;
    }
    for (const auto& it : f.items) {
      ASSERT_GE(it.line, 1u) << rel << " " << it.path;
      ASSERT_LE(it.line, it.end_line) << rel << " " << it.path;
      ASSERT_LE(it.end_line, f.lines + 1) << rel << " " << it.path;
      ASSERT_FALSE(it.name.empty()) << rel;
    }
  }
  EXPECT_EQ(failures, 0);
  std::cout << files.size() << " files, " << lines << " lines, " << items
            << " items, " << calls << " calls\n";
}

}  // namespace
