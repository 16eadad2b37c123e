#include "bench/corpus.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace aim::bench {

namespace fs = std::filesystem;

Corpus LoadCorpus(const std::vector<std::string>& dirs) {
  Corpus c;
  for (const auto& dir : dirs) {
    std::vector<fs::path> paths;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->path().extension() == ".rs" && it->is_regular_file(ec))
        paths.push_back(it->path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      SourceText s{p.string(), ss.str()};
      c.bytes += s.bytes.size();
      c.lines += std::count(s.bytes.begin(), s.bytes.end(), '\n');
      c.files.push_back(std::move(s));
    }
  }
  return c;
}

std::vector<std::string> DefaultCorpusDirs() {
  const std::string root = AIM_CARGO_REGISTRY;
  std::vector<std::string> names;
  const char* env = std::getenv("AIM_BENCH_CRATES");
  std::string spec = env ? env : "";
  if (spec == "all") {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory()) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
  } else if (!spec.empty()) {
    std::stringstream ss(spec);
    std::string n;
    while (std::getline(ss, n, ','))
      if (!n.empty()) names.push_back(n);
  } else {
    names = {"tokio-1.24.2", "serde-1.0.152", "regex-1.7.1", "clap-4.0.32",
             "syn-1.0.107"};
  }
  std::vector<std::string> dirs;
  for (const auto& n : names) dirs.push_back(root + "/" + n);
  return dirs;
}

}  // namespace aim::bench
