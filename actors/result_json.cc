#include "actors/result_json.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace aim::result_json {
namespace {

// Reads the fields of one JSON object; the first problem sticks and makes
// every later read a no-op.
class FieldReader {
 public:
  FieldReader(const Json& j, std::string what) : j_(j), what_(std::move(what)) {
    if (!j_.is_object()) Fail("is not an object");
  }

  const absl::Status& status() const { return status_; }

  // nullptr (and an error unless `optional`) when the field is absent.
  const Json* Get(const char* key, bool optional = false) {
    if (!status_.ok()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (!optional) Fail(absl::StrCat("lacks \"", key, "\""));
      return nullptr;
    }
    return &*it;
  }

  void String(const char* key, std::string* out, bool optional = false) {
    const Json* v = Get(key, optional);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(absl::StrCat("\"", key, "\" is not a string"));
    *out = v->get<std::string>();
  }

  template <typename T>
  void Unsigned(const char* key, T* out, bool optional = false) {
    const Json* v = Get(key, optional);
    if (v == nullptr) return;
    if (!v->is_number_unsigned() ||
        v->get<uint64_t>() > std::numeric_limits<T>::max())
      return Fail(absl::StrCat("\"", key, "\" is not an unsigned integer"));
    *out = static_cast<T>(v->get<uint64_t>());
  }

  void Bool(const char* key, bool* out, bool optional = false) {
    const Json* v = Get(key, optional);
    if (v == nullptr) return;
    if (!v->is_boolean()) return Fail(absl::StrCat("\"", key, "\" is not a boolean"));
    *out = v->get<bool>();
  }

  void Id(const char* key, uint64_t* out) {
    std::string hex;
    String(key, &hex);
    if (!status_.ok()) return;
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), *out, 16);
    if (hex.size() != 16 || ec != std::errc() || end != hex.data() + hex.size())
      Fail(absl::StrCat("\"", key, "\" is not 16 hex digits"));
  }

  // Decodes each element of the array `key` with `fn(element, index)`.
  template <typename Fn>
  void Array(const char* key, Fn&& fn, bool optional = false) {
    const Json* v = Get(key, optional);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(absl::StrCat("\"", key, "\" is not an array"));
    for (size_t i = 0; i < v->size() && status_.ok(); ++i) {
      absl::Status s = fn((*v)[i]);
      if (!s.ok()) status_ = absl::InvalidArgumentError(absl::StrCat(
                       what_, ".", key, "[", i, "]: ", s.message()));
    }
  }

  void Fail(const std::string& problem) {
    if (status_.ok())
      status_ = absl::InvalidArgumentError(absl::StrCat(what_, " ", problem));
  }

 private:
  const Json& j_;
  std::string what_;
  absl::Status status_;
};

absl::Status EntityFromJson(const Json& j, EntityInfo* e) {
  FieldReader r(j, "entity");
  r.Id("id", &e->id);
  r.String("kind", &e->kind);
  r.String("name", &e->name);
  r.String("qualified", &e->qualified);
  r.String("file", &e->file);
  r.Unsigned("line", &e->line);
  r.String("sig", &e->sig);
  r.String("vis", &e->vis);
  return r.status();
}

absl::Status EdgeFromJson(const Json& j, EdgeInfo* e) {
  FieldReader r(j, "edge");
  r.String("kind", &e->kind);
  r.Id("from", &e->from);
  r.Id("to", &e->to);
  r.String("file", &e->file);
  r.Unsigned("line", &e->line);
  r.String("confidence", &e->confidence);
  if (const Json* via = r.Get("via")) {
    if (*via == "derive") {
      e->derive = true;
    } else if (*via == "blanket") {
      e->blanket = true;
    } else if (!via->is_null()) {
      r.Fail("\"via\" is not null, \"derive\" or \"blanket\"");
    }
  }
  r.Bool("in_macro", &e->in_macro);
  return r.status();
}

void ByKindToJson(const std::vector<std::pair<std::string, size_t>>& counts,
                  const char* key, Json& j) {
  for (const auto& [k, n] : counts) j[key][k] = n;
}

void ByKindFromJson(FieldReader& r, const char* key,
                    std::vector<std::pair<std::string, size_t>>* out) {
  const Json* v = r.Get(key, /*optional=*/true);
  if (v == nullptr) return;
  if (!v->is_object()) return r.Fail(absl::StrCat("\"", key, "\" is not an object"));
  out->clear();
  for (const auto& [k, n] : v->items()) {
    if (!n.is_number_unsigned())
      return r.Fail(absl::StrCat("\"", key, "\".\"", k, "\" is not an unsigned integer"));
    out->emplace_back(k, n.get<size_t>());
  }
}

}  // namespace

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

Json EntityToJson(const EntityInfo& e) {
  Json j;
  j["id"] = Hex(e.id);
  j["kind"] = e.kind;
  j["name"] = e.name;
  j["qualified"] = e.qualified;
  j["file"] = e.file;
  j["line"] = e.line;
  j["sig"] = e.sig;
  j["vis"] = e.vis;
  return j;
}

Json EdgeToJson(const EdgeInfo& e) {
  Json j;
  j["kind"] = e.kind;
  j["from"] = Hex(e.from);
  j["to"] = Hex(e.to);
  j["file"] = e.file;
  j["line"] = e.line;
  j["confidence"] = e.confidence;
  j["via"] = e.derive ? Json("derive") : e.blanket ? Json("blanket") : Json();
  j["in_macro"] = e.in_macro;
  return j;
}

Json QueryResultToJson(const QueryResult& r) {
  Json j;
  j["query"] = r.query;
  j["target"] = Json::array();
  for (const auto& t : r.target) j["target"].push_back(EntityToJson(t));
  if (r.ambiguous) j["ambiguous"] = true;
  j["results"] = Json::array();
  for (const auto& h : r.results) {
    Json hit = EntityToJson(h.entity);
    hit["depth"] = h.depth;
    hit["path"] = Json::array();
    for (const auto& e : h.path) hit["path"].push_back(EdgeToJson(e));
    j["results"].push_back(std::move(hit));
  }
  if (r.query == "cycles") {
    j["cycles"] = Json::array();
    for (const auto& cyc : r.cycles) {
      Json members = Json::array();
      for (const auto& m : cyc) members.push_back(EntityToJson(m));
      j["cycles"].push_back(std::move(members));
    }
  }
  if (r.query == "context") j["text"] = r.text;
  if (r.query == "blast-radius")
    j["change"] = r.change.empty() ? Json(nullptr) : Json(r.change);
  j["total"] = r.total;
  j["version"] = r.version;
  j["elapsed_us"] = r.elapsed_us;
  return j;
}

absl::Status QueryResultFromJson(const Json& j, QueryResult* out) {
  QueryResult& q = *out;
  FieldReader r(j, "result");
  r.String("query", &q.query);
  q.target.clear();
  r.Array("target", [&](const Json& e) {
    return EntityFromJson(e, &q.target.emplace_back());
  });
  r.Bool("ambiguous", &q.ambiguous, /*optional=*/true);
  q.results.clear();
  r.Array("results", [&](const Json& e) {
    QueryHit& hit = q.results.emplace_back();
    if (absl::Status s = EntityFromJson(e, &hit.entity); !s.ok()) return s;
    FieldReader hr(e, "hit");
    hr.Unsigned("depth", &hit.depth);
    hr.Array("path", [&](const Json& edge) {
      return EdgeFromJson(edge, &hit.path.emplace_back());
    });
    return hr.status();
  });
  q.cycles.clear();
  r.Array("cycles", [&](const Json& c) {
    std::vector<EntityInfo>& members = q.cycles.emplace_back();
    if (!c.is_array()) return absl::InvalidArgumentError("is not an array");
    for (const Json& m : c)
      if (absl::Status s = EntityFromJson(m, &members.emplace_back()); !s.ok())
        return s;
    return absl::OkStatus();
  }, /*optional=*/true);
  r.String("text", &q.text, /*optional=*/true);
  if (auto c = j.find("change"); c != j.end() && !c->is_null())
    r.String("change", &q.change);
  r.Unsigned("total", &q.total);
  r.Unsigned("version", &q.version);
  r.Unsigned("elapsed_us", &q.elapsed_us);
  return r.status();
}

Json StatsToJson(const EngineStats& s) {
  Json j;
  j["version"] = s.version;
  j["root"] = s.root;
  j["files"] = s.files;
  j["entities"] = s.entities;
  j["edges"] = s.edges;
  j["memory_bytes"] = s.memory_bytes;
  ByKindToJson(s.entities_by_kind, "entities_by_kind", j);
  ByKindToJson(s.edges_by_kind, "edges_by_kind", j);
  ByKindToJson(s.edges_by_confidence, "edges_by_confidence", j);
  j["checkpoint_lsn"] = s.checkpoint_lsn;
  j["wal_bytes"] = s.wal_bytes;
  j["wal_segments"] = s.wal_segments;
  j["replayed"] = s.replayed;
  j["open_us"] = s.open_us;
  j["load_us"] = s.load_us;
  j["queries_only"] = s.queries_only;
  if (!s.recovery_note.empty()) j["recovery_note"] = s.recovery_note;
  // Only a writable engine (a daemon's) ever has these.
  if (!s.write_error.empty()) j["write_error"] = s.write_error;
  if (!s.checkpoint_error.empty()) j["checkpoint_error"] = s.checkpoint_error;
  return j;
}

absl::Status StatsFromJson(const Json& j, EngineStats* out) {
  EngineStats& s = *out;
  FieldReader r(j, "stats");
  r.Unsigned("version", &s.version);
  r.String("root", &s.root);
  r.Unsigned("files", &s.files);
  r.Unsigned("entities", &s.entities);
  r.Unsigned("edges", &s.edges);
  r.Unsigned("memory_bytes", &s.memory_bytes);
  ByKindFromJson(r, "entities_by_kind", &s.entities_by_kind);
  ByKindFromJson(r, "edges_by_kind", &s.edges_by_kind);
  ByKindFromJson(r, "edges_by_confidence", &s.edges_by_confidence);
  r.Unsigned("checkpoint_lsn", &s.checkpoint_lsn);
  r.Unsigned("wal_bytes", &s.wal_bytes);
  r.Unsigned("wal_segments", &s.wal_segments);
  r.Unsigned("replayed", &s.replayed);
  r.Unsigned("open_us", &s.open_us, /*optional=*/true);
  r.Unsigned("load_us", &s.load_us, /*optional=*/true);
  r.Bool("queries_only", &s.queries_only, /*optional=*/true);
  r.String("recovery_note", &s.recovery_note, /*optional=*/true);
  r.String("write_error", &s.write_error, /*optional=*/true);
  r.String("checkpoint_error", &s.checkpoint_error, /*optional=*/true);
  return r.status();
}

}  // namespace aim::result_json
