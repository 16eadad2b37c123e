#include "tests/support/random_edits.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "aim/extract.h"
#include "engine/graph/layout.h"

namespace aim::testing {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string l;
  while (std::getline(ss, l)) lines.push_back(l);
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

graph::FileInput SourceInput(const std::string& crate, const std::string& path,
                             const std::string& text) {
  graph::FilePlace place = graph::PlaceFile(path, crate);
  graph::FileInput in;
  in.path = path;
  in.crate = place.crate;
  in.module = place.module;
  in.facts = ExtractFacts(path, text);
  return in;
}

std::map<std::string, std::string> ReadSourceTree(const std::string& dir) {
  std::map<std::string, std::string> tree;
  if (!std::filesystem::exists(dir)) return tree;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".rs") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    tree["src/" + std::filesystem::relative(e.path(), dir).generic_string()] =
        ss.str();
  }
  return tree;
}

const std::map<std::string, std::string> kEditFixture = {
    {"src/lib.rs",
     "pub mod shapes;\nmod util;\npub use shapes::*;\nuse util::helper;\n"
     "pub fn top() { helper(); shapes::Circle::new(1.0).area(); }\n"
     "pub trait Named { fn name(&self) -> String { helper(); String::new() } }\n"},
    {"src/shapes/mod.rs",
     "mod circle;\npub use circle::Circle;\npub trait Shape { fn area(&self) -> f64; }\n"
     "pub trait Area: Shape {}\nimpl<T: Shape> Area for T {}\n"
     "pub fn visit(v: &dyn Shape) -> f64 { v.area() }\n"},
    {"src/shapes/circle.rs",
     "use super::Shape;\nuse crate::util::helper as h;\n#[derive(Debug, Clone)]\n"
     "pub struct Circle { r: f64 }\nimpl Circle { pub fn new(r: f64) -> Self { h(); Self { r } } }\n"
     "impl Shape for Circle { fn area(&self) -> f64 { self.r * Self::new(1.0).r } }\n"
     "impl crate::Named for Circle {}\n"},
    {"src/util.rs",
     "pub fn helper() -> u32 { super::top(); 1 }\npub(crate) struct Visitor;\n"
     "impl Visitor { fn visit(&self) { helper(); } }\n"},
};

std::pair<std::string, bool> RandomEditor::Step() {
  size_t op = Pick(10);
  if (tree_.empty() || op == 0) return AddFile();
  auto it = tree_.begin();
  std::advance(it, Pick(tree_.size()));
  std::string path = it->first;
  std::string& text = it->second;
  switch (op) {
    case 1:
      if (!removed_.empty() || tree_.size() > 3) {
        removed_[path] = text;
        tree_.erase(it);
        return {path, false};
      }
      return AddFile();
    case 2:
      if (!removed_.empty()) {
        auto r = removed_.begin();
        std::advance(r, Pick(removed_.size()));
        std::string p = r->first;
        tree_[p] = r->second;
        removed_.erase(r);
        return {p, true};
      }
      [[fallthrough]];
    case 3:
    case 4:
      DeleteItem(path, text);
      return {path, true};
    case 5:
    case 6:
      RenameFn(text);
      return {path, true};
    case 7:
      text += "\npub fn added_" + std::to_string(counter_++) + "() { " +
              RandomCalls() + " }\n";
      return {path, true};
    case 8:
    {
      std::string n = std::to_string(counter_++);
      text += "\npub struct Extra" + n + ";\nimpl " + RandomName() +
              " for Extra" + n + " {}\n";
    }
      return {path, true};
    default:
      // A body-only edit: insert a blank line and a comment on top.
      text = "// edit " + std::to_string(counter_++) + "\n\n" + text;
      return {path, true};
  }
}

size_t RandomEditor::Pick(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

std::pair<std::string, bool> RandomEditor::AddFile() {
  std::string path = "src/gen" + std::to_string(counter_++) + ".rs";
  tree_[path] = "use crate::*;\npub fn gen_" + std::to_string(counter_) +
                "() { " + RandomCalls() + " }\npub trait " + RandomName() +
                " { fn required(&self); }\n";
  return {path, true};
}

std::string RandomEditor::RandomName() {
  static const char* kNames[] = {"Shape", "Area", "Display", "Named",
                                 "Drawable", "Clone", "Visitor", "Parser"};
  return kNames[Pick(std::size(kNames))];
}

std::string RandomEditor::RandomCalls() {
  static const char* kCalls[] = {"area()", "new()", "Self::new()", "helper()",
                                 "crate::helper()", "x.render()",
                                 "Circle::new(1.0)", "super::top()",
                                 "added_0()", "gen_1()", "visit(v)"};
  std::string s;
  for (int i = 0; i < 3; ++i) {
    s += kCalls[Pick(std::size(kCalls))];
    s += "; ";
  }
  return s;
}

void RandomEditor::DeleteItem(const std::string& path, std::string& text) {
  aim::FileFacts f = aim::ExtractFacts(path, text);
  if (f.items.empty()) return;
  const aim::Item& it = f.items[Pick(f.items.size())];
  std::vector<std::string> lines = Lines(text);
  if (it.end_line > lines.size() || it.line == 0) return;
  // Remove whole lines of the item (its attributes stay: harmless).
  lines.erase(lines.begin() + (it.line - 1), lines.begin() + it.end_line);
  text = JoinLines(lines);
}

void RandomEditor::RenameFn(std::string& text) {
  size_t n = 0;
  for (size_t p = text.find("fn "); p != std::string::npos;
       p = text.find("fn ", p + 3))
    ++n;
  if (n == 0) return;
  size_t k = Pick(n);
  size_t p = text.find("fn ");
  while (k-- > 0) p = text.find("fn ", p + 3);
  size_t name = p + 3;
  size_t e = name;
  while (e < text.size() &&
         (isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_'))
    ++e;
  if (e > name) text.insert(e, "_r" + std::to_string(counter_++));
}

void ApplyEdit(graph::Graph& g, const std::string& crate,
               const RandomEditor& editor,
               const std::pair<std::string, bool>& edit) {
  const auto& [path, exists] = edit;
  if (exists) {
    g.UpsertFile(SourceInput(crate, path, editor.tree().at(path)));
  } else {
    g.RemoveFile(path);
  }
}

}  // namespace aim::testing
