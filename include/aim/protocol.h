// The daemon's query protocol, and the JSON lines of query results that the
// `aim` tool and the daemon share.
//
// The protocol is JSON Lines over a stream socket (README "Daemon
// protocol"): a client writes one request per line, the daemon answers every
// line with exactly one reply line, in order.
//
//   {"id":7,"query":"callers","args":["Foo::bar"],"depth":2,"limit":10}
//   {"id":"s","op":"stats"}          {"op":"ping"}
//
// A query's reply is the line `aim query --json` prints with "id" first;
// stats is the line of `aim stats --json` with "id" first; ping is
// {"id":..,"pong":true}; an error is {"id":..,"error":"...","code":"..."}
// with `code` an absl::StatusCode in snake_case (StatusCodeName).
//
// Every function here is thread-safe and never throws.
#ifndef AIM_PROTOCOL_H_
#define AIM_PROTOCOL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aim/engine.h"

namespace aim {

// The longest request line (bytes, without its newline) a daemon accepts.
inline constexpr size_t kMaxRequestLine = size_t{1} << 20;
// The deepest nesting of arrays and objects a request may have (its "id"
// may be any JSON value).
inline constexpr int kMaxRequestDepth = 64;

enum class RequestOp { kQuery, kStats, kPing };

struct ProtocolRequest {
  // The request's "id" as compact JSON text, "null" when it has none. It
  // is echoed as the reply's "id"; it must be valid JSON text.
  std::string id = "null";
  RequestOp op = RequestOp::kQuery;
  QueryRequest query;  // kQuery only
};

// Parses one request line (without its newline). Fields: "id" (any JSON),
// "op" ("query" | "stats" | "ping"; "query" when absent), and for queries
// "query" (one of the ten kinds), "args" (array of strings; as many as the
// kind takes), "depth", "limit", "budget" (non-negative integers),
// "direction" ("up" | "down"), "scope" ("calls" | "modules").
// Errors: ResourceExhausted for a line over kMaxRequestLine bytes;
// InvalidArgument, saying what is wrong, for anything else: not JSON (or
// not UTF-8), not an object, nested deeper than kMaxRequestDepth, an
// unknown field or op or query kind, a field of the wrong type or range,
// the wrong number of args, query fields on stats/ping.
// `id` (optional) receives the request's "id" whenever the line is a JSON
// object, valid request or not ("null" otherwise), so an error reply can
// echo it.
absl::StatusOr<ProtocolRequest> ParseRequestLine(std::string_view line,
                                                 std::string* id = nullptr);

// The line (without newline) a client sends for `request`; it parses back
// to an equal request. Fields equal to QueryRequest's defaults are left
// out.
std::string EncodeRequest(const ProtocolRequest& request);

// Reply lines, without newline. `id` is JSON text as in ProtocolRequest.
std::string EncodeQueryReply(std::string_view id, const QueryResult& result);
std::string EncodeStatsReply(std::string_view id, const EngineStats& stats);
std::string EncodePongReply(std::string_view id);
std::string EncodeErrorReply(std::string_view id, const absl::Status& status);

// What a daemon does with one request line: parses it and answers it from
// `engine` (Query, Stats), as one reply line without newline. Never fails:
// every problem becomes an error reply.
std::string AnswerRequestLine(const Engine& engine, std::string_view line);

// A reply line, decoded by a client that knows which op it asked for.
struct ProtocolReply {
  std::string id = "null";  // JSON text
  // An error reply's code and message; OK for an answer.
  absl::Status error;
  // kQuery: the fields the JSON carries (EntityInfo::end_line, in_macro
  // and test, and QueryResult::pending are not sent).
  QueryResult result;
  // kStats: the fields of `aim stats --json` (EncodeStats).
  EngineStats stats;
};
// Errors: InvalidArgument when `line` is not a reply to `op` (not JSON, a
// field missing or of the wrong type).
absl::StatusOr<ProtocolReply> ParseReplyLine(std::string_view line,
                                             RequestOp op);

// "not_found", "invalid_argument", ... (absl::StatusCode in snake_case),
// and back (kUnknown for a name it does not know).
std::string StatusCodeName(absl::StatusCode code);
absl::StatusCode StatusCodeFromName(std::string_view name);

// The lines of the `aim` tool (no newline), shared with the daemon so that
// both print byte-identical results:
//   EncodeQueryResult  `aim query --json`:
//     {"query","target":[entity..],("ambiguous":true),"results":[{entity..,
//      "depth","path":[edge..]}],("cycles":[[entity..]..]),("text"),
//      ("change": blast-radius: "signature", "body", "added" or null),
//      "total","version","elapsed_us"}
//   EncodeQueryError   `aim query --json` for a failed query:
//     {"query":kind,"error":message}
//   EncodeStats        `aim stats --json`
//   EncodeExportEntity / EncodeExportEdge   `aim export --format jsonl`
// entity = {"id","kind","name","qualified","file","line","sig","vis"},
// edge = {"kind","from","to","file","line","confidence","via","in_macro"};
// ids are 16 lower-case hex digits. Invalid UTF-8 in a string is replaced
// by U+FFFD.
std::string EncodeQueryResult(const QueryResult& result);
std::string EncodeQueryError(std::string_view query, const absl::Status& status);
std::string EncodeStats(const EngineStats& stats);
std::string EncodeExportEntity(const EntityInfo& entity);
std::string EncodeExportEdge(const EdgeInfo& edge);

}  // namespace aim

#endif  // AIM_PROTOCOL_H_
