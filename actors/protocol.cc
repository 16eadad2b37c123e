// The daemon's request and reply lines (include/aim/protocol.h).
#include "aim/protocol.h"

#include <array>
#include <exception>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "actors/result_json.h"

namespace aim {
namespace {

using result_json::Dump;
using result_json::Json;

constexpr std::array<const char*, 10> kQueryKinds = {
    "what-implements", "blast-radius", "callers", "callees", "uses",
    "used-by",         "cycles",       "path",    "search",  "context"};

constexpr const char* kQueryKindList =
    "what-implements, blast-radius, callers, callees, uses, used-by, cycles, "
    "path, search, context";

// How many names a query kind takes; -1 for an unknown kind.
int ArgCount(std::string_view kind) {
  if (kind == "cycles") return 0;
  if (kind == "path") return 2;
  for (const char* k : kQueryKinds)
    if (kind == k) return 1;
  return -1;
}

// nlohmann's parser is iterative, but destroying and dumping a value
// recurse: refuse deep nesting before parsing.
bool NestsDeeperThan(std::string_view line, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string ParseErrorMessage(const char* what) {
  std::string_view m(what);
  if (!m.empty() && m.front() == '[') {
    size_t end = m.find("] ");
    if (end != std::string_view::npos) m.remove_prefix(end + 2);
  }
  return std::string(m);
}

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}

template <typename T>
absl::Status ReadUnsigned(const Json& v, const char* key, T* out) {
  if (!v.is_number_unsigned() ||
      v.get<uint64_t>() > std::numeric_limits<T>::max())
    return Invalid(absl::StrCat("\"", key, "\" must be an integer from 0 to ",
                                std::numeric_limits<T>::max()));
  *out = static_cast<T>(v.get<uint64_t>());
  return absl::OkStatus();
}

absl::Status ReadChoice(const Json& v, const char* key, const char* a,
                        const char* b, std::string* out) {
  if (!v.is_string() || (v != a && v != b))
    return Invalid(absl::StrCat("\"", key, "\" must be \"", a, "\" or \"", b, "\""));
  *out = v.get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<ProtocolRequest> FromJson(const Json& j) {
  ProtocolRequest req;
  QueryRequest& q = req.query;
  const Json* op = nullptr;
  const Json* kind = nullptr;
  std::string query_field;  // the first query field seen (for stats/ping)
  for (const auto& [key, v] : j.items()) {
    if (key == "id") continue;
    if (key == "op") {
      op = &v;
      continue;
    }
    if (query_field.empty()) query_field = key;
    absl::Status s;
    if (key == "query") {
      kind = &v;
    } else if (key == "args") {
      if (!v.is_array()) return Invalid("\"args\" must be an array of strings");
      for (const Json& a : v) {
        if (!a.is_string()) return Invalid("\"args\" must be an array of strings");
        q.args.push_back(a.get<std::string>());
      }
    } else if (key == "depth") {
      s = ReadUnsigned(v, "depth", &q.depth);
    } else if (key == "limit") {
      s = ReadUnsigned(v, "limit", &q.limit);
    } else if (key == "budget") {
      s = ReadUnsigned(v, "budget", &q.budget);
    } else if (key == "direction") {
      s = ReadChoice(v, "direction", "up", "down", &q.direction);
    } else if (key == "scope") {
      s = ReadChoice(v, "scope", "calls", "modules", &q.scope);
    } else {
      return Invalid(absl::StrCat(
          "unknown field \"", key,
          "\" (id, op, query, args, depth, limit, direction, scope, budget)"));
    }
    if (!s.ok()) return s;
  }
  if (op != nullptr) {
    if (*op == "stats" || *op == "ping") {
      req.op = *op == "stats" ? RequestOp::kStats : RequestOp::kPing;
      if (!query_field.empty())
        return Invalid(absl::StrCat("\"", query_field, "\" is not a field of op \"",
                                    op->get<std::string>(), "\""));
      return req;
    }
    if (*op != "query")
      return Invalid("\"op\" must be \"query\", \"stats\" or \"ping\"");
  }
  if (kind == nullptr)
    return Invalid("a request needs \"query\" (or \"op\": \"stats\" | \"ping\")");
  if (!kind->is_string())
    return Invalid(absl::StrCat("\"query\" must be a string: ", kQueryKindList));
  q.kind = kind->get<std::string>();
  int n = ArgCount(q.kind);
  if (n < 0)
    return Invalid(absl::StrCat("unknown query \"", q.kind, "\" (", kQueryKindList, ")"));
  // Worded as the engine words it, so that `aim query` says the same
  // with or without a daemon.
  if (n == 0 && !q.args.empty()) return Invalid("`cycles` takes no name");
  if (q.args.size() != static_cast<size_t>(n))
    return Invalid(absl::StrCat("`", q.kind, "` takes ", n, n == 1 ? " name" : " names",
                                ", got ", q.args.size()));
  return req;
}

// absl::string_view is not std::string_view in this build of Abseil.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// `body` is a JSON object's text; returns it with "id" as its first member.
std::string WithId(std::string_view id, const std::string& body) {
  if (body.size() <= 2) return absl::StrCat("{\"id\":", Absl(id), "}");
  return absl::StrCat("{\"id\":", Absl(id), ",", absl::string_view(body).substr(1));
}

}  // namespace

absl::StatusOr<ProtocolRequest> ParseRequestLine(std::string_view line,
                                                 std::string* id) {
  if (id != nullptr) *id = "null";
  if (line.size() > kMaxRequestLine)
    return absl::ResourceExhaustedError(
        absl::StrCat("request line of ", line.size(), " bytes is over the limit of ",
                     kMaxRequestLine));
  if (NestsDeeperThan(line, kMaxRequestDepth))
    return Invalid(absl::StrCat("request nests deeper than ", kMaxRequestDepth, " levels"));
  try {
    Json j = Json::parse(line.begin(), line.end());
    if (!j.is_object()) return Invalid("a request is a JSON object");
    auto it = j.find("id");
    std::string id_text = it == j.end() ? "null" : Dump(*it);
    if (id != nullptr) *id = id_text;
    absl::StatusOr<ProtocolRequest> req = FromJson(j);
    if (req.ok()) req->id = std::move(id_text);
    return req;
  } catch (const Json::exception& e) {
    return Invalid(absl::StrCat("not a JSON request: ", ParseErrorMessage(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("parsing a request: ", e.what()));
  }
}

std::string EncodeRequest(const ProtocolRequest& request) {
  const QueryRequest defaults;
  std::string out = absl::StrCat("{\"id\":", request.id);
  if (request.op != RequestOp::kQuery) {
    absl::StrAppend(&out, ",\"op\":\"",
                    request.op == RequestOp::kStats ? "stats" : "ping", "\"}");
    return out;
  }
  const QueryRequest& q = request.query;
  Json j;
  j["query"] = q.kind;
  j["args"] = q.args;
  if (q.depth != defaults.depth) j["depth"] = q.depth;
  if (q.limit != defaults.limit) j["limit"] = q.limit;
  if (q.direction != defaults.direction) j["direction"] = q.direction;
  if (q.scope != defaults.scope) j["scope"] = q.scope;
  if (q.budget != defaults.budget) j["budget"] = q.budget;
  return WithId(request.id, Dump(j));
}

std::string EncodeQueryReply(std::string_view id, const QueryResult& result) {
  return WithId(id, EncodeQueryResult(result));
}

std::string EncodeStatsReply(std::string_view id, const EngineStats& stats) {
  return WithId(id, EncodeStats(stats));
}

std::string EncodePongReply(std::string_view id) {
  return absl::StrCat("{\"id\":", Absl(id), ",\"pong\":true}");
}

std::string EncodeErrorReply(std::string_view id, const absl::Status& status) {
  Json j;
  j["error"] = std::string(status.message());
  j["code"] = StatusCodeName(status.code());
  return WithId(id, Dump(j));
}

std::string AnswerRequestLine(const Engine& engine, std::string_view line) {
  std::string id = "null";
  try {
    absl::StatusOr<ProtocolRequest> req = ParseRequestLine(line, &id);
    if (!req.ok()) return EncodeErrorReply(id, req.status());
    switch (req->op) {
      case RequestOp::kPing:
        return EncodePongReply(id);
      case RequestOp::kStats:
        return EncodeStatsReply(id, engine.Stats());
      case RequestOp::kQuery: {
        absl::StatusOr<QueryResult> r = engine.Query(req->query);
        if (!r.ok()) return EncodeErrorReply(id, r.status());
        return EncodeQueryReply(id, *r);
      }
    }
    return EncodeErrorReply(id, absl::InternalError("unknown op"));
  } catch (const std::exception& e) {
    return EncodeErrorReply(id, absl::InternalError(absl::StrCat("answering: ", e.what())));
  } catch (...) {
    return EncodeErrorReply(id, absl::InternalError("answering: unknown exception"));
  }
}

absl::StatusOr<ProtocolReply> ParseReplyLine(std::string_view line, RequestOp op) {
  try {
    Json j = Json::parse(line.begin(), line.end());
    if (!j.is_object()) return Invalid("a reply is a JSON object");
    ProtocolReply reply;
    auto it = j.find("id");
    if (it != j.end()) {
      reply.id = Dump(*it);
      j.erase(it);
    }
    auto err = j.find("error");
    if (err != j.end()) {
      auto code = j.find("code");
      if (!err->is_string() || code == j.end() || !code->is_string())
        return Invalid("an error reply needs \"error\" and \"code\" strings");
      absl::StatusCode c = StatusCodeFromName(code->get<std::string>());
      // An error reply always carries an error, whatever the code says.
      if (c == absl::StatusCode::kOk) c = absl::StatusCode::kUnknown;
      reply.error = absl::Status(c, err->get<std::string>());
      return reply;
    }
    absl::Status s;
    switch (op) {
      case RequestOp::kPing:
        if (j.find("pong") == j.end()) s = Invalid("a reply to ping lacks \"pong\"");
        break;
      case RequestOp::kStats:
        s = result_json::StatsFromJson(j, &reply.stats);
        break;
      case RequestOp::kQuery:
        s = result_json::QueryResultFromJson(j, &reply.result);
        break;
    }
    if (!s.ok()) return s;
    return reply;
  } catch (const Json::exception& e) {
    return Invalid(absl::StrCat("not a JSON reply: ", ParseErrorMessage(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("parsing a reply: ", e.what()));
  }
}

std::string StatusCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "ok";
    case absl::StatusCode::kCancelled: return "cancelled";
    case absl::StatusCode::kUnknown: return "unknown";
    case absl::StatusCode::kInvalidArgument: return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case absl::StatusCode::kNotFound: return "not_found";
    case absl::StatusCode::kAlreadyExists: return "already_exists";
    case absl::StatusCode::kPermissionDenied: return "permission_denied";
    case absl::StatusCode::kResourceExhausted: return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition: return "failed_precondition";
    case absl::StatusCode::kAborted: return "aborted";
    case absl::StatusCode::kOutOfRange: return "out_of_range";
    case absl::StatusCode::kUnimplemented: return "unimplemented";
    case absl::StatusCode::kInternal: return "internal";
    case absl::StatusCode::kUnavailable: return "unavailable";
    case absl::StatusCode::kDataLoss: return "data_loss";
    case absl::StatusCode::kUnauthenticated: return "unauthenticated";
    default: return "unknown";
  }
}

absl::StatusCode StatusCodeFromName(std::string_view name) {
  for (int c = 0; c <= 16; ++c) {
    auto code = static_cast<absl::StatusCode>(c);
    if (StatusCodeName(code) == name) return code;
  }
  return absl::StatusCode::kUnknown;
}

std::string EncodeQueryResult(const QueryResult& result) {
  return Dump(result_json::QueryResultToJson(result));
}

std::string EncodeQueryError(std::string_view query, const absl::Status& status) {
  Json j;
  j["query"] = std::string(query);
  j["error"] = std::string(status.message());
  return Dump(j);
}

std::string EncodeStats(const EngineStats& stats) {
  return Dump(result_json::StatsToJson(stats));
}

std::string EncodeExportEntity(const EntityInfo& entity) {
  Json j = {{"k", "entity"}};
  j.update(result_json::EntityToJson(entity));
  j["in_macro"] = entity.in_macro;
  return Dump(j);
}

std::string EncodeExportEdge(const EdgeInfo& edge) {
  Json j = {{"k", "edge"}};
  j.update(result_json::EdgeToJson(edge));
  return Dump(j);
}

}  // namespace aim
