// Golden test: the facts of every file of a fixture crate, compared with an
// expectation written by hand from reading the fixture
// (tests/fixtures/<crate>.expected.jsonl, one fact per line, blank lines
// allowed). The comparison ignores order and key order; optional keys are
// present only when they differ from their default (see Render*).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aim/extract.h"

#ifndef AIM_SOURCE_DIR
#define AIM_SOURCE_DIR "."
#endif

namespace aim {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

void Flag(Json& j, const char* key, bool v) {
  if (v) j[key] = true;
}

std::vector<Json> Render(const FileFacts& f) {
  std::vector<Json> out;
  for (const Item& it : f.items) {
    Json j = {{"k", "item"},       {"file", f.file},   {"kind", ItemKindName(it.kind)},
              {"name", it.name},   {"path", it.path},  {"line", it.line},
              {"end_line", it.end_line}, {"vis", it.vis}, {"sig", it.sig}};
    if (!it.cfg.empty()) j["cfg"] = it.cfg;
    Flag(j, "test", it.test);
    Flag(j, "in_macro", it.in_macro);
    out.push_back(std::move(j));
  }
  for (const Impl& im : f.impls) {
    Json j = {{"k", "impl"},
              {"file", f.file},
              {"trait", im.trait_name},
              {"trait_path", im.trait_path},
              {"type", im.self_type},
              {"type_path", im.type_path},
              {"scope", im.scope},
              {"sig", im.sig},
              {"line", im.line},
              {"end_line", im.end_line}};
    Flag(j, "derive", im.derive);
    Flag(j, "negative", im.negative);
    Flag(j, "blanket", im.blanket);
    Flag(j, "in_macro", im.in_macro);
    out.push_back(std::move(j));
  }
  for (const Call& c : f.calls) {
    Json j = {{"k", "call"}, {"file", f.file}, {"caller", c.caller},
              {"callee", c.callee}, {"line", c.line}};
    if (c.has_qualifier) j["qualifier"] = c.qualifier;
    Flag(j, "method", c.method);
    Flag(j, "on_self", c.on_self);
    Flag(j, "in_macro", c.in_macro);
    out.push_back(std::move(j));
  }
  for (const Import& u : f.imports) {
    Json j = {{"k", "use"}, {"file", f.file}, {"path", u.path},
              {"scope", u.scope}, {"line", u.line}};
    if (!u.alias.empty()) j["alias"] = u.alias;
    Flag(j, "glob", u.glob);
    Flag(j, "in_macro", u.in_macro);
    out.push_back(std::move(j));
  }
  for (const TypeUse& t : f.type_uses) {
    Json j = {{"k", "uses_type"}, {"file", f.file}, {"from", t.from},
              {"type", t.type}, {"line", t.line}};
    Flag(j, "in_macro", t.in_macro);
    out.push_back(std::move(j));
  }
  for (const MacroCall& m : f.macro_calls) {
    Json j = {{"k", "macro_call"}, {"file", f.file}, {"caller", m.caller},
              {"name", m.name}, {"line", m.line}};
    Flag(j, "in_macro", m.in_macro);
    out.push_back(std::move(j));
  }
  for (const Diagnostic& d : f.errors) {
    out.push_back({{"k", "error"}, {"file", f.file}, {"line", d.line},
                   {"col", d.col}, {"message", d.message}});
  }
  return out;
}

bool ReadFile(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Facts of every *.rs file under crate_dir/src, files named relative to
// crate_dir, as canonical one-line JSON texts.
std::vector<std::string> ActualFacts(const fs::path& crate_dir,
                                     size_t& files) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(crate_dir / "src"))
    if (e.is_regular_file() && e.path().extension() == ".rs")
      paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> facts;
  for (const fs::path& p : paths) {
    std::string bytes;
    EXPECT_TRUE(ReadFile(p, bytes)) << p;
    FileFacts f = ExtractFacts(p.lexically_relative(crate_dir).generic_string(),
                               bytes);
    for (const Json& j : Render(f)) facts.push_back(j.dump());
  }
  files = paths.size();
  return facts;
}

std::vector<std::string> ExpectedFacts(const fs::path& file) {
  std::string text;
  EXPECT_TRUE(ReadFile(file, text)) << file;
  std::vector<std::string> facts;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << file << ":" << n << ": not JSON";
    if (!j.is_discarded()) facts.push_back(j.dump());
  }
  return facts;
}

class GoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenTest, FactsMatchHandWrittenExpectation) {
  const fs::path fixtures = fs::path(AIM_SOURCE_DIR) / "tests" / "fixtures";
  const std::string name = GetParam();
  size_t files = 0;
  std::vector<std::string> actual = ActualFacts(fixtures / name, files);
  std::vector<std::string> expected =
      ExpectedFacts(fixtures / (name + ".expected.jsonl"));
  ASSERT_GT(files, 0u);
  ASSERT_FALSE(expected.empty());

  std::map<std::string, int> bag;
  for (const auto& s : expected) ++bag[s];
  for (const auto& s : actual) --bag[s];
  std::string missing, unexpected;
  for (const auto& [s, n] : bag) {
    for (int i = 0; i < n; ++i) missing += "  " + s + "\n";
    for (int i = n; i < 0; ++i) unexpected += "  " + s + "\n";
  }
  EXPECT_TRUE(missing.empty()) << "expected but not extracted:\n" << missing;
  EXPECT_TRUE(unexpected.empty()) << "extracted but not expected:\n"
                                  << unexpected;
  EXPECT_EQ(actual.size(), expected.size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenTest, ::testing::Values("shapes", "tricky"));

}  // namespace
}  // namespace aim
