#include "fault_injection/verify.h"

#include <random>

#include "recovery/store.h"
#include "wal/env.h"

namespace aim::fault {

uint64_t MixSeed(uint64_t seed, uint64_t cycle) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(cycle), static_cast<uint32_t>(cycle >> 32)};
  uint32_t out[2];
  seq.generate(out, out + 2);
  return (uint64_t{out[0]} << 32) | out[1];
}

bool VerifyRecovered(Summary* s, const std::string& where, uint64_t lsn,
                     uint64_t digest, uint64_t must_have, uint64_t issued,
                     Model& model) {
  const std::string at = where + ": recovered LSN " + std::to_string(lsn);
  if (lsn < must_have) {
    s->Fail(&s->acked_lost, at + " < acknowledged " + std::to_string(must_have));
    return false;
  }
  if (lsn > issued) {
    s->Fail(&s->damaged_accepted, at + " > last edit issued " + std::to_string(issued));
    return false;
  }
  if (digest != model.DigestAt(lsn)) {
    s->Fail(&s->damaged_accepted, at + ": the graph differs from the model's");
    return false;
  }
  ++s->recoveries_verified;
  return true;
}

void CheckFailStop(Summary* s, const std::string& where, Engine& e,
                   uint64_t acked, Model& model) {
  const EngineStats st = e.Stats();
  if (st.write_error.empty())
    s->Fail(&s->other_failures, where + ": an edit failed but write_error is empty");
  if (st.version != acked || e.Digest() != model.DigestAt(acked))
    s->Fail(&s->damaged_accepted, where + ": after a failed edit the engine shows LSN " +
                                      std::to_string(st.version) + ", not the acknowledged " +
                                      std::to_string(acked));
  if (Apply(e, model.workload().At(acked)).ok())
    s->Fail(&s->other_failures, where + ": a write was accepted after a failed one");
  absl::StatusOr<QueryResult> q = e.Query({.kind = "search", .args = {"go"}});
  if (!q.ok() && q.status().code() != absl::StatusCode::kNotFound)
    s->Fail(&s->other_failures, where + ": queries stopped after a failed write: " +
                                    std::string(q.status().message()));
}

void CheckDatabaseVerifies(Summary* s, const std::string& where, wal::Env* env,
                           const std::string& dir) {
  absl::StatusOr<recovery::CheckReport> check = recovery::CheckDatabase(env, dir);
  if (!check.ok() && check.status().code() != absl::StatusCode::kNotFound)
    s->Fail(&s->other_failures, where + ": the database does not verify: " +
                                    std::string(check.status().message()));
}

std::vector<std::string> Debris(wal::Env* env, const std::string& dir) {
  if (env == nullptr) env = wal::Env::Default();
  std::vector<std::string> out;
  for (const std::string& d : {dir, wal::JoinPath(dir, "wal")}) {
    absl::StatusOr<std::vector<std::string>> names = env->ListDir(d);
    if (!names.ok()) continue;
    for (const std::string& n : *names)
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".tmp") == 0)
        out.push_back(wal::JoinPath(d, n));
  }
  return out;
}

}  // namespace aim::fault
