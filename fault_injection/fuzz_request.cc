// libFuzzer target for the daemon's request parser (include/aim/protocol.h).
// Build and run: scripts/fuzz.sh fuzz_request 300 (README "Fuzzing").
//
// Every input is one request line. Whatever parses must re-encode to a
// line that parses to the same request; whatever fails must say why, and
// the error reply must itself be a valid reply. Valid queries are then
// answered by an in-memory engine holding tests/fixtures/workspace, and
// the reply must decode and re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aim/engine.h"
#include "aim/protocol.h"

namespace {

const aim::Engine* FixtureEngine() {
  static const std::unique_ptr<aim::Engine> engine = [] {
    std::unique_ptr<aim::Engine> e;
    aim::Options o;  // in memory
    o.threads = 1;
    auto opened = aim::Engine::Open(o);
    if (opened.ok() &&
        (*opened)->Ingest(std::string(AIM_SOURCE_DIR) + "/tests/fixtures/workspace").ok())
      e = std::move(*opened);
    return e;
  }();
  return engine.get();
}

bool SameRequest(const aim::ProtocolRequest& a, const aim::ProtocolRequest& b) {
  return a.id == b.id && a.op == b.op && a.query.kind == b.query.kind &&
         a.query.args == b.query.args && a.query.depth == b.query.depth &&
         a.query.limit == b.query.limit && a.query.direction == b.query.direction &&
         a.query.scope == b.query.scope && a.query.budget == b.query.budget;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string id;
  auto req = aim::ParseRequestLine(line, &id);
  if (!req.ok()) {
    if (req.status().message().empty()) __builtin_trap();
    auto reply = aim::ParseReplyLine(aim::EncodeErrorReply(id, req.status()),
                                     aim::RequestOp::kPing);
    if (!reply.ok() || reply->id != id || reply->error.code() != req.status().code())
      __builtin_trap();
    return 0;
  }
  if (req->id != id) __builtin_trap();
  auto again = aim::ParseRequestLine(aim::EncodeRequest(*req));
  if (!again.ok() || !SameRequest(*req, *again)) __builtin_trap();

  const aim::Engine* engine = FixtureEngine();
  if (engine == nullptr || req->op != aim::RequestOp::kQuery) return 0;
  // Deep walks of a small graph are cheap, but huge budgets are not.
  if (req->query.budget > 100000) return 0;
  auto result = engine->Query(req->query);
  if (!result.ok()) {
    if (result.status().message().empty()) __builtin_trap();
    return 0;
  }
  auto reply = aim::ParseReplyLine(aim::EncodeQueryReply(req->id, *result),
                                   aim::RequestOp::kQuery);
  if (!reply.ok() ||
      aim::EncodeQueryResult(reply->result) != aim::EncodeQueryResult(*result))
    __builtin_trap();
  return 0;
}
