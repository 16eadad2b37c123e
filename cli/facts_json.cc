#include "cli/facts_json.h"

#include <nlohmann/json.hpp>
#include <string>

namespace aim::cli {
namespace {

using Json = nlohmann::ordered_json;

void Emit(const Json& j, std::ostream& out) {
  out << j.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

Json NullIfEmpty(const std::string& s) { return s.empty() ? Json() : Json(s); }

}  // namespace

void WriteFactsJsonl(const FileFacts& f, std::string_view display_path,
                     std::ostream& out) {
  const std::string file(display_path);
  for (const Item& it : f.items) {
    Json j;
    j["k"] = "item";
    j["kind"] = std::string(ItemKindName(it.kind));
    j["name"] = it.name;
    j["path"] = it.path;
    j["file"] = file;
    j["line"] = it.line;
    j["end_line"] = it.end_line;
    j["vis"] = it.vis;
    j["sig"] = it.sig;
    if (!it.cfg.empty()) j["cfg"] = it.cfg;
    if (it.test) j["test"] = true;
    j["in_macro"] = it.in_macro;
    Emit(j, out);
  }
  for (const Impl& im : f.impls) {
    Json j;
    j["k"] = "impl";
    j["trait"] = NullIfEmpty(im.trait_name);
    j["type"] = im.self_type;
    j["file"] = file;
    j["line"] = im.line;
    j["via"] = im.derive ? "derive" : "impl";
    if (im.negative) j["negative"] = true;
    if (im.blanket) j["blanket"] = true;
    j["in_macro"] = im.in_macro;
    Emit(j, out);
  }
  for (const Call& c : f.calls) {
    Json j;
    j["k"] = "call";
    j["caller"] = c.caller;
    j["callee"] = c.callee;
    j["qualifier"] = c.has_qualifier ? Json(c.qualifier) : Json();
    j["via"] = c.method ? "method" : "path";
    if (c.method && c.on_self) j["on_self"] = true;
    j["file"] = file;
    j["line"] = c.line;
    j["in_macro"] = c.in_macro;
    Emit(j, out);
  }
  for (const Import& u : f.imports) {
    Json j;
    j["k"] = "use";
    j["path"] = u.path;
    j["alias"] = NullIfEmpty(u.alias);
    if (!u.vis.empty()) j["vis"] = u.vis;
    j["file"] = file;
    j["line"] = u.line;
    if (u.in_macro) j["in_macro"] = true;
    Emit(j, out);
  }
  for (const TypeUse& t : f.type_uses) {
    Json j;
    j["k"] = "uses_type";
    j["from"] = t.from;
    j["type"] = t.type;
    j["file"] = file;
    j["line"] = t.line;
    if (t.in_macro) j["in_macro"] = true;
    Emit(j, out);
  }
  for (const MacroCall& m : f.macro_calls) {
    Json j;
    j["k"] = "macro_call";
    j["caller"] = m.caller;
    j["name"] = m.name;
    j["file"] = file;
    j["line"] = m.line;
    if (m.in_macro) j["in_macro"] = true;
    Emit(j, out);
  }
  for (const Diagnostic& d : f.errors) {
    Json j;
    j["k"] = "error";
    j["file"] = file;
    j["line"] = d.line;
    j["col"] = d.col;
    j["message"] = d.message;
    Emit(j, out);
  }
}

}  // namespace aim::cli
