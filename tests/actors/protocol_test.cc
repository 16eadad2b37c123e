// The daemon's protocol (include/aim/protocol.h): request parsing and its
// errors, reply encoding, and the round trip of results through JSON.
#include "aim/protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/actors/engine_fixture.h"

namespace {

using namespace std::string_literals;
using aim::ParseRequestLine;
using aim::ProtocolRequest;
using aim::RequestOp;
using aim::test_support::OpenIngestedEngine;
using aim::test_support::SampleQueries;

absl::Status ParseError(std::string_view line) {
  return ParseRequestLine(line).status();
}

TEST(ParseRequest, FullQuery) {
  auto r = ParseRequestLine(
      R"({"id":7,"query":"blast-radius","args":["Foo::bar"],"depth":4,"limit":10,)"
      R"("direction":"down","scope":"modules","budget":500})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, "7");
  EXPECT_EQ(r->op, RequestOp::kQuery);
  EXPECT_EQ(r->query.kind, "blast-radius");
  EXPECT_EQ(r->query.args, std::vector<std::string>{"Foo::bar"});
  EXPECT_EQ(r->query.depth, 4u);
  EXPECT_EQ(r->query.limit, 10u);
  EXPECT_EQ(r->query.direction, "down");
  EXPECT_EQ(r->query.scope, "modules");
  EXPECT_EQ(r->query.budget, 500u);
}

TEST(ParseRequest, DefaultsAreQueryRequestDefaults) {
  auto r = ParseRequestLine(R"({"query":"cycles"})");
  ASSERT_TRUE(r.ok()) << r.status();
  const aim::QueryRequest defaults;
  EXPECT_EQ(r->id, "null");
  EXPECT_TRUE(r->query.args.empty());
  EXPECT_EQ(r->query.depth, defaults.depth);
  EXPECT_EQ(r->query.limit, defaults.limit);
  EXPECT_EQ(r->query.direction, defaults.direction);
  EXPECT_EQ(r->query.scope, defaults.scope);
  EXPECT_EQ(r->query.budget, defaults.budget);
  // "op":"query" may be said explicitly; whitespace and a CR are fine.
  r = ParseRequestLine(" { \"op\" : \"query\", \"query\" : \"path\", \"args\":[\"a\",\"b\"] }\r");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->query.args.size(), 2u);
}

TEST(ParseRequest, StatsAndPing) {
  auto s = ParseRequestLine(R"({"id":"a","op":"stats"})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->op, RequestOp::kStats);
  EXPECT_EQ(s->id, "\"a\"");
  auto p = ParseRequestLine(R"({"op":"ping"})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->op, RequestOp::kPing);
}

TEST(ParseRequest, AnyIdIsKeptAsJsonText) {
  for (std::string id : {"0", "-3.5", "true", "null", "\"x y\"", "[1,{\"a\":[]}]",
                         "{\"k\":\"v\",\"n\":2}", "18446744073709551615"}) {
    auto r = ParseRequestLine("{\"id\":" + id + ",\"op\":\"ping\"}");
    ASSERT_TRUE(r.ok()) << id << ": " << r.status();
    EXPECT_EQ(r->id, id);
    EXPECT_EQ(aim::EncodePongReply(r->id), "{\"id\":" + id + ",\"pong\":true}");
  }
  // Compacted, not copied: whitespace goes.
  EXPECT_EQ(ParseRequestLine(R"({"id": [ 1 , 2 ],"op":"ping"})")->id, "[1,2]");
}

TEST(ParseRequest, IdIsReportedForInvalidRequests) {
  std::string id;
  auto r = ParseRequestLine(R"({"id":{"n":9},"query":"bogus","args":["x"]})", &id);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(id, R"({"n":9})");
  r = ParseRequestLine(R"({"id":9,"query":)", &id);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(id, "null");  // not JSON: no id to be had
}

struct BadLine {
  std::string line;
  std::string message;  // a part of the error message
};

TEST(ParseRequest, EveryKindOfMalformedLineIsInvalidArgument) {
  const std::vector<BadLine> bad = {
      {"", "not a JSON request"},
      {"{", "not a JSON request"},
      {"nonsense", "not a JSON request"},
      {R"({"op":"ping"} {"op":"ping"})", "not a JSON request"},
      {R"({"op":"ping",})", "not a JSON request"},
      {"{\"query\":\"callers\",\"args\":[\"\xff\"]}", "not a JSON request"},
      {"{\"op\":\"ping\"\x00}"s, "not a JSON request"},
      {"[1,2]", "a request is a JSON object"},
      {"42", "a request is a JSON object"},
      {"\"ping\"", "a request is a JSON object"},
      {"null", "a request is a JSON object"},
      {"{}", "needs \"query\""},
      {R"({"id":1})", "needs \"query\""},
      {R"({"op":"query"})", "needs \"query\""},
      {R"({"op":"frob"})", "\"op\" must be"},
      {R"({"op":3})", "\"op\" must be"},
      {R"({"op":"stats","query":"callers","args":["x"]})", "not a field of op \"stats\""},
      {R"({"op":"ping","depth":2})", "not a field of op \"ping\""},
      {R"({"query":42})", "\"query\" must be a string"},
      {R"({"query":null})", "\"query\" must be a string"},
      {R"({"query":"bogus","args":["x"]})", "unknown query \"bogus\""},
      {R"({"query":"Callers","args":["x"]})", "unknown query"},
      {R"({"query":"callers"})", "`callers` takes 1 name, got 0"},
      {R"({"query":"callers","args":["a","b"]})", "takes 1 name"},
      {R"({"query":"path","args":["a"]})", "takes 2 names"},
      {R"({"query":"cycles","args":["a"]})", "`cycles` takes no name"},
      {R"({"query":"callers","args":"x"})", "\"args\" must be an array of strings"},
      {R"({"query":"callers","args":[1]})", "\"args\" must be an array of strings"},
      {R"({"query":"callers","args":[null]})", "\"args\" must be an array of strings"},
      {R"({"query":"callers","args":{"a":"b"}})", "\"args\" must be an array"},
      {R"({"query":"callers","args":["x"],"depth":-1})", "\"depth\" must be an integer"},
      {R"({"query":"callers","args":["x"],"depth":1.5})", "\"depth\" must be an integer"},
      {R"({"query":"callers","args":["x"],"depth":"3"})", "\"depth\" must be an integer"},
      {R"({"query":"callers","args":["x"],"depth":4294967296})", "\"depth\" must be an integer"},
      {R"({"query":"callers","args":["x"],"depth":1e400})", ""},
      {R"({"query":"callers","args":["x"],"limit":-5})", "\"limit\" must be an integer"},
      {R"({"query":"callers","args":["x"],"limit":true})", "\"limit\" must be an integer"},
      {R"({"query":"context","args":["x"],"budget":[]})", "\"budget\" must be an integer"},
      {R"({"query":"blast-radius","args":["x"],"direction":"sideways"})", "\"direction\" must be"},
      {R"({"query":"blast-radius","args":["x"],"direction":1})", "\"direction\" must be"},
      {R"({"query":"cycles","scope":"crates"})", "\"scope\" must be"},
      {R"({"query":"callers","args":["x"],"dept":2})", "unknown field \"dept\""},
      {R"({"query":"callers","args":["x"],"ID":2})", "unknown field \"ID\""},
  };
  for (const BadLine& b : bad) {
    absl::Status s = ParseError(b.line);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << b.line << ": " << s;
    EXPECT_NE(s.message().find(b.message), std::string_view::npos)
        << b.line << ": " << s.message();
    EXPECT_FALSE(s.message().empty()) << b.line;
  }
}

TEST(ParseRequest, DeepNestingIsRefusedBeforeParsing) {
  auto nested = [](int depth) {
    return "{\"id\":" + std::string(depth, '[') + std::string(depth, ']') + ",\"op\":\"ping\"}";
  };
  EXPECT_TRUE(ParseRequestLine(nested(aim::kMaxRequestDepth - 1)).ok());
  absl::Status s = ParseError(nested(aim::kMaxRequestDepth));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nests deeper"), std::string_view::npos) << s;
  // Far too deep to parse or dump recursively, and unbalanced.
  EXPECT_EQ(ParseError(std::string(500000, '[')).code(), absl::StatusCode::kInvalidArgument);
  // Brackets inside strings (escaped quotes too) do not count.
  std::string in_string = "{\"id\":\"\\\"" + std::string(1000, '[') + "\",\"op\":\"ping\"}";
  EXPECT_TRUE(ParseRequestLine(in_string).ok()) << ParseError(in_string);
}

TEST(ParseRequest, OversizedLineIsResourceExhausted) {
  std::string line = R"({"op":"ping"})";
  line.append(aim::kMaxRequestLine - line.size(), ' ');
  EXPECT_TRUE(ParseRequestLine(line).ok());  // exactly the limit
  line.push_back(' ');
  std::string id = "unset";
  absl::Status s = ParseRequestLine(line, &id).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(id, "null");
}

TEST(EncodeRequest, ParsesBackToTheSameRequest) {
  std::vector<ProtocolRequest> requests;
  for (const aim::QueryRequest& q : SampleQueries()) {
    ProtocolRequest r;
    r.id = std::to_string(requests.size());
    r.query = q;
    requests.push_back(r);
  }
  ProtocolRequest odd;
  odd.id = R"({"a":["b"]})";
  odd.query = {.kind = "context", .args = {"quote\" back\\slash \n é"},
               .depth = 7, .limit = 1, .budget = 0};
  requests.push_back(odd);
  ProtocolRequest stats;
  stats.op = RequestOp::kStats;
  requests.push_back(stats);
  ProtocolRequest ping;
  ping.op = RequestOp::kPing;
  ping.id = "\"p\"";
  requests.push_back(ping);
  for (const ProtocolRequest& r : requests) {
    std::string line = aim::EncodeRequest(r);
    auto back = ParseRequestLine(line);
    ASSERT_TRUE(back.ok()) << line << ": " << back.status();
    EXPECT_EQ(back->id, r.id);
    EXPECT_EQ(back->op, r.op);
    EXPECT_EQ(back->query.kind, r.query.kind);
    EXPECT_EQ(back->query.args, r.query.args);
    EXPECT_EQ(back->query.depth, r.query.depth);
    EXPECT_EQ(back->query.limit, r.query.limit);
    EXPECT_EQ(back->query.direction, r.query.direction);
    EXPECT_EQ(back->query.scope, r.query.scope);
    EXPECT_EQ(back->query.budget, r.query.budget);
  }
  EXPECT_EQ(aim::EncodeRequest(requests[0]),
            R"({"id":0,"query":"callers","args":["alpha_core::connect"]})");
  EXPECT_EQ(aim::EncodeRequest(stats), R"({"id":null,"op":"stats"})");
}

TEST(StatusCodeNames, RoundTripEveryCode) {
  for (int c = 0; c <= 16; ++c) {
    auto code = static_cast<absl::StatusCode>(c);
    EXPECT_EQ(aim::StatusCodeFromName(aim::StatusCodeName(code)), code) << c;
  }
  EXPECT_EQ(aim::StatusCodeName(absl::StatusCode::kNotFound), "not_found");
  EXPECT_EQ(aim::StatusCodeName(absl::StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(aim::StatusCodeFromName("no_such_code"), absl::StatusCode::kUnknown);
}

aim::QueryResult HandMadeResult() {
  aim::QueryResult r;
  r.query = "callers";
  r.target.push_back({.id = 0xff, .kind = "fn", .name = "f", .qualified = "c::f",
                      .file = "src/lib.rs", .line = 3, .sig = "pub fn f()", .vis = "pub"});
  aim::QueryHit h;
  h.entity = {.id = 0xabc, .kind = "method", .name = "g", .qualified = "c::T::g",
              .file = "src/t.rs", .line = 9, .sig = "fn g(&self)", .vis = ""};
  h.depth = 1;
  h.path.push_back({.kind = "calls", .from = 0xabc, .to = 0xff, .file = "src/t.rs",
                    .line = 10, .confidence = "exact"});
  r.results.push_back(h);
  r.total = 1;
  r.version = 42;
  r.elapsed_us = 5;
  return r;
}

// The exact bytes `aim query --json` has always printed.
TEST(Encode, QueryResultBytes) {
  const std::string want =
      R"({"query":"callers","target":[{"id":"00000000000000ff","kind":"fn","name":"f",)"
      R"j("qualified":"c::f","file":"src/lib.rs","line":3,"sig":"pub fn f()","vis":"pub"}],)j"
      R"("results":[{"id":"0000000000000abc","kind":"method","name":"g","qualified":"c::T::g",)"
      R"j("file":"src/t.rs","line":9,"sig":"fn g(&self)","vis":"","depth":1,"path":[{"kind":"calls",)j"
      R"("from":"0000000000000abc","to":"00000000000000ff","file":"src/t.rs","line":10,)"
      R"("confidence":"exact","via":null,"in_macro":false}]}],"total":1,"version":42,"elapsed_us":5})";
  aim::QueryResult r = HandMadeResult();
  EXPECT_EQ(aim::EncodeQueryResult(r), want);
  EXPECT_EQ(aim::EncodeQueryReply("\"q1\"", r), "{\"id\":\"q1\"," + want.substr(1));
}

TEST(Encode, ErrorsAndExportLines) {
  EXPECT_EQ(aim::EncodeErrorReply("3", absl::NotFoundError("unknown name `x`")),
            R"({"id":3,"error":"unknown name `x`","code":"not_found"})");
  EXPECT_EQ(aim::EncodeQueryError("callers", absl::NotFoundError("nope")),
            R"({"query":"callers","error":"nope"})");
  aim::EdgeInfo e{.kind = "implements", .from = 1, .to = 2, .file = "a.rs", .line = 1,
                  .confidence = "name", .derive = true};
  EXPECT_EQ(aim::EncodeExportEdge(e),
            R"({"k":"edge","kind":"implements","from":"0000000000000001","to":"0000000000000002",)"
            R"("file":"a.rs","line":1,"confidence":"name","via":"derive","in_macro":false})");
  aim::EntityInfo x{.id = 1, .kind = "struct", .name = "S", .qualified = "c::S",
                    .file = "a.rs", .line = 2, .sig = "struct S", .vis = "pub", .in_macro = true};
  EXPECT_EQ(aim::EncodeExportEntity(x),
            R"({"k":"entity","id":"0000000000000001","kind":"struct","name":"S","qualified":"c::S",)"
            R"("file":"a.rs","line":2,"sig":"struct S","vis":"pub","in_macro":true})");
}

// A blast-radius result says how its start last changed: a string, or
// null when not known; it decodes back to the same.
TEST(Encode, BlastRadiusCarriesTheStartsChange) {
  aim::QueryResult r = HandMadeResult();
  r.query = "blast-radius";
  EXPECT_NE(aim::EncodeQueryResult(r).find("\"change\":null"), std::string::npos);
  r.change = "body";
  const std::string line = aim::EncodeQueryReply("1", r);
  EXPECT_NE(line.find("\"change\":\"body\""), std::string::npos) << line;
  auto back = aim::ParseReplyLine(line, RequestOp::kQuery);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->result.change, "body");
  EXPECT_EQ(aim::EncodeQueryResult(back->result), aim::EncodeQueryResult(r));
  // Other queries carry none.
  r.query = "callers";
  EXPECT_EQ(aim::EncodeQueryResult(r).find("change"), std::string::npos);
}

TEST(Encode, InvalidUtf8IsReplacedAndStillDecodes) {
  aim::QueryResult r = HandMadeResult();
  r.results[0].entity.sig = "fn \xff\xfe()";
  std::string line = aim::EncodeQueryReply("1", r);
  EXPECT_NE(line.find("fn \xef\xbf\xbd\xef\xbf\xbd()"), std::string::npos) << line;
  auto back = aim::ParseReplyLine(line, RequestOp::kQuery);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(aim::EncodeQueryResult(back->result), aim::EncodeQueryResult(r));
}

TEST(ParseReply, ErrorsAndGarbage) {
  auto e = aim::ParseReplyLine(R"({"id":[1],"error":"no","code":"not_found"})",
                               RequestOp::kQuery);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id, "[1]");
  EXPECT_EQ(e->error, absl::NotFoundError("no"));
  // An unknown code, or "ok", is still an error.
  e = aim::ParseReplyLine(R"({"error":"no","code":"ok"})", RequestOp::kPing);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->error.code(), absl::StatusCode::kUnknown);
  for (std::string bad : {"", "{", "[]", R"({"error":1,"code":"x"})", R"({"id":1})",
                          R"({"query":"callers","target":[{"id":"xyz"}]})",
                          R"({"query":"callers","target":[],"results":[],"total":-1,"version":1,"elapsed_us":1})"}) {
    EXPECT_EQ(aim::ParseReplyLine(bad, RequestOp::kQuery).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(aim::ParseReplyLine(R"({"id":1})", RequestOp::kPing).ok());
  EXPECT_TRUE(aim::ParseReplyLine(R"({"id":1,"pong":true})", RequestOp::kPing).ok());
  EXPECT_FALSE(aim::ParseReplyLine(R"({"id":1,"version":1})", RequestOp::kStats).ok());
}

class ProtocolEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = OpenIngestedEngine().release(); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(engine_, nullptr); }
  static aim::Engine* engine_;
};
aim::Engine* ProtocolEngineTest::engine_ = nullptr;

// What the CLI prints from a daemon's reply equals what it prints from the
// engine: decoding loses nothing the encoding carries.
TEST_F(ProtocolEngineTest, EveryQueryResultRoundTripsByteForByte) {
  int answered = 0;
  for (const aim::QueryRequest& q : SampleQueries()) {
    auto r = engine_->Query(q);
    if (!r.ok()) {
      auto e = aim::ParseReplyLine(aim::EncodeErrorReply("1", r.status()), RequestOp::kQuery);
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_EQ(e->error, r.status());
      continue;
    }
    ++answered;
    std::string line = aim::EncodeQueryReply("1", *r);
    auto back = aim::ParseReplyLine(line, RequestOp::kQuery);
    ASSERT_TRUE(back.ok()) << q.kind << ": " << back.status() << "\n" << line;
    EXPECT_TRUE(back->error.ok());
    EXPECT_EQ(back->id, "1");
    EXPECT_EQ(aim::EncodeQueryResult(back->result), aim::EncodeQueryResult(*r)) << q.kind;
  }
  EXPECT_GE(answered, 12);
  aim::EngineStats s = engine_->Stats();
  s.recovery_note = "a note";
  s.write_error = "disk full";
  auto back = aim::ParseReplyLine(aim::EncodeStatsReply("2", s), RequestOp::kStats);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(aim::EncodeStats(back->stats), aim::EncodeStats(s));
  EXPECT_EQ(back->stats.files, 7u);
  EXPECT_EQ(back->stats.write_error, "disk full");
}

TEST_F(ProtocolEngineTest, AnswerRequestLine) {
  EXPECT_EQ(aim::AnswerRequestLine(*engine_, R"({"id":1,"op":"ping"})"),
            R"({"id":1,"pong":true})");
  auto stats = nlohmann::json::parse(aim::AnswerRequestLine(*engine_, R"({"id":2,"op":"stats"})"));
  EXPECT_EQ(stats["id"], 2);
  EXPECT_EQ(stats["files"], 7);

  std::string q = aim::AnswerRequestLine(
      *engine_, R"({"id":"c","query":"callers","args":["alpha_core::connect"]})");
  auto direct = engine_->Query({.kind = "callers", .args = {"alpha_core::connect"}});
  ASSERT_TRUE(direct.ok());
  auto got = nlohmann::ordered_json::parse(q);
  auto want = nlohmann::ordered_json::parse(aim::EncodeQueryReply("\"c\"", *direct));
  got["elapsed_us"] = want["elapsed_us"] = 0;
  EXPECT_EQ(got, want);

  auto unknown = nlohmann::json::parse(aim::AnswerRequestLine(
      *engine_, R"({"id":3,"query":"callers","args":["conect"]})"));
  EXPECT_EQ(unknown["id"], 3);
  EXPECT_EQ(unknown["code"], "not_found");
  EXPECT_NE(unknown["error"].get<std::string>().find("did you mean"), std::string::npos);

  auto bad = nlohmann::json::parse(aim::AnswerRequestLine(*engine_, "{\"id\":4,"));
  EXPECT_EQ(bad["id"], nullptr);
  EXPECT_EQ(bad["code"], "invalid_argument");
  auto wrong = nlohmann::json::parse(
      aim::AnswerRequestLine(*engine_, R"({"id":5,"query":"callers","args":[5]})"));
  EXPECT_EQ(wrong["id"], 5);
  EXPECT_EQ(wrong["code"], "invalid_argument");
}

}  // namespace
