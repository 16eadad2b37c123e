#include "engine/graph/layout.h"

#include <toml++/toml.h>

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

std::optional<std::string> PackageName(std::string_view cargo_toml) {
#if TOML_EXCEPTIONS
  toml::table table;
  try {
    table = toml::parse(cargo_toml);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
#else
  toml::parse_result res = toml::parse(cargo_toml);
  if (!res) return std::nullopt;
  toml::table table = std::move(res).table();
#endif
  auto name = table["package"]["name"].value<std::string>();
  if (!name) return std::nullopt;
  return *name;
}

}  // namespace aim::graph
