#include "engine/graph/layout.h"

#include <toml++/toml.h>

#include <algorithm>
#include <vector>

namespace aim::graph {
namespace {

std::string Ident(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c == '-') c = '_';
  return r;
}

std::vector<std::string_view> SplitPath(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) parts.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string_view Stem(std::string_view name) {
  return name.size() > 3 && name.substr(name.size() - 3) == ".rs"
             ? name.substr(0, name.size() - 3)
             : name;
}

// Module path of `parts` (directories then a file) under a crate root dir.
std::string ModuleOf(const std::vector<std::string_view>& parts, size_t from) {
  std::string m;
  for (size_t i = from; i < parts.size(); ++i) {
    std::string_view seg = parts[i];
    bool last = i + 1 == parts.size();
    if (last) {
      seg = Stem(seg);
      if (seg == "mod" || (i == from && (seg == "lib" || seg == "main")))
        break;
    }
    if (!m.empty()) m += "::";
    m += Ident(seg);
  }
  return m;
}

}  // namespace

FilePlace PlaceFile(std::string_view rel, std::string_view package) {
  std::vector<std::string_view> parts = SplitPath(rel);
  FilePlace place{Ident(package), ""};
  if (parts.empty()) return place;
  if (parts.size() == 1 && parts[0] == "build.rs") {
    place.crate = "build_script_build";
    return place;
  }
  if (parts[0] == "src" && parts.size() >= 3 && parts[1] == "bin") {
    place.crate = Ident(Stem(parts[2]));
    place.module = parts.size() == 3 ? "" : ModuleOf(parts, 3);
    if (parts.size() == 4 && Stem(parts[3]) == "main") place.module.clear();
    return place;
  }
  if (parts[0] == "src") {
    place.module = ModuleOf(parts, 1);
    return place;
  }
  if (parts[0] == "tests" || parts[0] == "examples" || parts[0] == "benches") {
    if (parts.size() == 2) {
      place.crate = Ident(Stem(parts[1]));
    } else {
      place.crate = Ident(parts[1]);
      place.module = ModuleOf(parts, 2);
    }
    return place;
  }
  place.module = ModuleOf(parts, 0);
  return place;
}

namespace {

std::optional<toml::table> ParseToml(std::string_view text) {
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
#else
  toml::parse_result res = toml::parse(text);
  if (!res) return std::nullopt;
  return std::move(res).table();
#endif
}

// Appends the crate names of a dependency table (`[dependencies]`, ...).
void AddDeps(const toml::node_view<const toml::node>& table,
             std::vector<std::string>& out) {
  const toml::table* t = table.as_table();
  if (t == nullptr) return;
  for (const auto& [key, value] : *t) {
    std::string name(key.str());
    if (const toml::table* spec = value.as_table())
      if (auto renamed = (*spec)["package"].value<std::string>())
        name = *renamed;
    out.push_back(Ident(name));
  }
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::optional<std::string> PackageName(std::string_view cargo_toml) {
  std::optional<Manifest> m = ReadManifest(cargo_toml);
  if (!m || m->package.empty()) return std::nullopt;
  return m->package;
}

std::optional<Manifest> ReadManifest(std::string_view cargo_toml) {
  std::optional<toml::table> parsed = ParseToml(cargo_toml);
  if (!parsed) return std::nullopt;
  const toml::table& table = *parsed;
  Manifest m;
  if (auto name = table["package"]["name"].value<std::string>())
    m.package = *name;
  AddDeps(table["dependencies"], m.deps);
  AddDeps(table["dev-dependencies"], m.dev_deps);
  AddDeps(table["build-dependencies"], m.build_deps);
  if (const toml::table* targets = table["target"].as_table()) {
    for (const auto& [cfg, spec] : *targets) {
      const toml::node_view<const toml::node> t(spec);
      AddDeps(t["dependencies"], m.deps);
      AddDeps(t["dev-dependencies"], m.dev_deps);
      AddDeps(t["build-dependencies"], m.build_deps);
    }
  }
  SortUnique(m.deps);
  SortUnique(m.dev_deps);
  SortUnique(m.build_deps);
  return m;
}

CrateDeps FileDeps(std::string_view rel, const Manifest& m) {
  CrateDeps out;
  if (rel == "build.rs") {
    out.deps = m.build_deps;
    return out;
  }
  out.deps = m.deps;
  out.dev_deps = m.dev_deps;
  // Every crate of the package but the library itself uses the library
  // (the library's own files name their crate: it is theirs anyway).
  if (!m.package.empty()) out.deps.push_back(Ident(m.package));
  SortUnique(out.deps);
  return out;
}

}  // namespace aim::graph
