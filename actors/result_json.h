// JSON of the public result types (nlohmann::ordered_json), both ways.
// The public face of this is include/aim/protocol.h; the field lists are
// written there. Decoding is the inverse of encoding on the fields the
// JSON carries: Encode(Decode(Encode(x))) == Encode(x), byte for byte.
#ifndef AIM_ACTORS_RESULT_JSON_H_
#define AIM_ACTORS_RESULT_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "aim/engine.h"

namespace aim::result_json {

using Json = nlohmann::ordered_json;

// Compact, with invalid UTF-8 replaced by U+FFFD (never throws).
std::string Dump(const Json& j);
// 16 lower-case hex digits.
std::string Hex(uint64_t id);

Json EntityToJson(const EntityInfo& e);
Json EdgeToJson(const EdgeInfo& e);
Json QueryResultToJson(const QueryResult& r);
Json StatsToJson(const EngineStats& s);

// InvalidArgument naming the first field that is missing or of the wrong
// type. Fields not listed in protocol.h are left as they are in `*out`.
absl::Status QueryResultFromJson(const Json& j, QueryResult* out);
absl::Status StatsFromJson(const Json& j, EngineStats* out);

}  // namespace aim::result_json

#endif  // AIM_ACTORS_RESULT_JSON_H_
