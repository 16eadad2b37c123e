// The harness's summary table and shared helpers.
#include <cstdio>

#include "fault_injection/harness.h"

namespace aim::fault {

void Summary::Fail(uint64_t* counter, const std::string& what) {
  ++*counter;
  if (failures.size() < 20) failures.push_back(what);
  std::fprintf(stderr, "aim-crash: FAILURE: %s\n", what.c_str());
}

void Summary::Merge(const Summary& o) {
  cycles += o.cycles;
  recoveries_verified += o.recoveries_verified;
  for (const auto& [k, v] : o.kills) kills[k] += v;
  for (const auto& [k, v] : o.faults) faults[k] += v;
  acked_lost += o.acked_lost;
  damaged_accepted += o.damaged_accepted;
  other_failures += o.other_failures;
  for (const std::string& f : o.failures)
    if (failures.size() < 20) failures.push_back(f);
  seconds += o.seconds;
}

void Summary::Print(const std::string& title) const {
  auto row = [](const std::string& k, uint64_t v) {
    std::printf("| %-56s | %10llu |\n", k.c_str(), static_cast<unsigned long long>(v));
  };
  std::printf("\n%s (%.1f s)\n", title.c_str(), seconds);
  std::printf("| %-56s | %10s |\n", "what", "count");
  std::printf("|%s|%s|\n", std::string(58, '-').c_str(), std::string(12, '-').c_str());
  row("cycles", cycles);
  for (const auto& [k, v] : kills) row("kills at " + k, v);
  for (const auto& [k, v] : faults) row("faults: " + k, v);
  row("recoveries verified", recoveries_verified);
  row("acknowledged writes lost (must be 0)", acked_lost);
  row("damaged data accepted (must be 0)", damaged_accepted);
  row("other failures (must be 0)", other_failures);
  for (const std::string& f : failures) std::printf("  failure: %s\n", f.c_str());
  std::fflush(stdout);
}

Durability ParseDurability(const std::string& name) {
  if (name == "sync") return Durability::kSync;
  if (name == "none") return Durability::kNone;
  return Durability::kBatch;
}

const char* DurabilityName(Durability d) {
  switch (d) {
    case Durability::kSync: return "sync";
    case Durability::kBatch: return "batch";
    case Durability::kNone: return "none";
  }
  return "?";
}

Options HarnessOptions(const std::string& db, Durability d, wal::Env* env) {
  Options o;
  o.db_dir = db;
  o.env = env;
  o.durability = d;
  o.wal_segment_bytes = 16 << 10;
  o.checkpoint_wal_bytes = 96 << 10;
  o.threads = 1;
  o.search_index = false;
  return o;
}

}  // namespace aim::fault
