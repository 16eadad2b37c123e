#include "tests/support/reference.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aim/extract.h"

namespace aim::testing {
namespace {

namespace fs = std::filesystem;
using Bag = std::map<std::string, int>;

bool ReadGzipLines(const std::string& path, std::vector<std::string>& lines) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return false;
  std::string cur;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    for (int i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        lines.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(buf[i]);
      }
    }
  }
  bool ok = n == 0;
  gzclose(f);
  if (!cur.empty()) lines.push_back(std::move(cur));
  return ok;
}

std::string Key(std::initializer_list<std::string> parts) {
  std::string k;
  for (const auto& p : parts) {
    if (!k.empty()) k += " | ";
    k += p;
  }
  return k;
}

Score Compare(const Bag& ours, const Bag& theirs) {
  Score s;
  for (const auto& [k, n] : ours) {
    s.ours += n;
    auto it = theirs.find(k);
    int m = it == theirs.end() ? 0 : it->second;
    s.both += std::min(n, m);
    for (int i = m; i < n; ++i) s.only_ours.push_back(k);
  }
  for (const auto& [k, n] : theirs) {
    s.theirs += n;
    auto it = ours.find(k);
    int m = it == ours.end() ? 0 : it->second;
    for (int i = m; i < n; ++i) s.only_theirs.push_back(k);
  }
  return s;
}

}  // namespace

bool CompareWithReference(const std::string& crate_dir,
                          const std::string& reference_gz, Comparison& out,
                          std::string& error) {
  std::vector<std::string> lines;
  if (!ReadGzipLines(reference_gz, lines)) {
    error = "cannot read " + reference_gz;
    return false;
  }
  Bag ref_items, ref_impls, ref_calls;
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    std::string k = j.value("k", "");
    std::string file = j.value("file", "");
    std::string ln = std::to_string(j.value("line", 0));
    if (k == "item") {
      ++ref_items[Key({file, j["kind"], j["name"], ln})];
    } else if (k == "impl") {
      std::string tr = j["trait"].is_null() ? "-" : j["trait"].get<std::string>();
      ++ref_impls[Key({file, tr, j["type"], ln})];
    } else if (k == "call") {
      ++ref_calls[Key({file, j["callee"], ln})];
    }
  }

  std::error_code ec;
  if (!fs::is_directory(crate_dir, ec)) {
    error = crate_dir + " is not a directory";
    return false;
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(crate_dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".rs" && it->is_regular_file(ec))
      files.push_back(fs::relative(it->path(), crate_dir, ec).generic_string());
  }
  std::sort(files.begin(), files.end());

  Bag items, impls, calls;
  for (const auto& rel : files) {
    std::ifstream in(fs::path(crate_dir) / rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    FileFacts f = ExtractFacts(rel, bytes);
    ++out.files;
    out.lines += f.lines;
    out.errors += f.errors.size();
    for (const auto& e : f.errors)
      if (out.error_samples.size() < 20)
        out.error_samples.push_back(rel + ":" + std::to_string(e.line) + ":" +
                                    std::to_string(e.col) + ": " + e.message);
    for (const Item& it : f.items)
      if (!it.in_macro)
        ++items[Key({rel, std::string(ItemKindName(it.kind)), it.name,
                     std::to_string(it.line)})];
    for (const Impl& im : f.impls)
      if (!im.in_macro && !im.derive)
        ++impls[Key({rel, im.trait_name.empty() ? "-" : im.trait_name,
                     im.self_type, std::to_string(im.line)})];
    for (const Call& c : f.calls)
      if (!c.in_macro) ++calls[Key({rel, c.callee, std::to_string(c.line)})];
  }
  out.items = Compare(items, ref_items);
  out.impls = Compare(impls, ref_impls);
  out.calls = Compare(calls, ref_calls);
  return true;
}

}  // namespace aim::testing
