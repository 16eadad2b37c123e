// Power cuts with concurrent writers (group commit): kWriters threads, each
// with its own workload over its own files, write at once; the machine dies
// at a random I/O operation; the power is cut; the engine recovers.
//
// LSNs interleave between threads, so the expected state is not one prefix
// of one workload but a prefix of each: the graph holds writer t's first
// k_t edits for every t (the graph of a set of files does not depend on the
// order they came in: incremental equals from scratch). A database
// recovered to LSN n must have sum(k_t) = n, acknowledged_t <= k_t <=
// issued_t (each writer has at most one edit in flight), n at least the
// highest LSN acknowledged, and the graph of such a (k_t).
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "fault_injection/fault_env.h"
#include "fault_injection/harness.h"
#include "fault_injection/verify.h"
#include "fault_injection/workload.h"
#include "wal/mem_env.h"

namespace aim::fault {
namespace {

constexpr char kDb[] = "/db";
constexpr int kWriters = 3;

class GroupRun {
 public:
  GroupRun(const PowerCutConfig& c, uint64_t run, Durability d, Summary* s)
      : c_(c), mode_(d), s_(*s), faulty_(&mem_) {
    for (int t = 0; t < kWriters; ++t)
      workloads_.emplace_back(MixSeed(c.seed, 4000037 + run * kWriters + t),
                              "src/w" + std::to_string(t) + "_m");
  }

  void Cycle(uint64_t cycle);
  // A last open verifies the last cycle's power cut.
  void Finish(uint64_t cycle);

 private:
  // The digest of a database holding the first k[t] edits of each writer.
  uint64_t DigestOf(const uint64_t (&k)[kWriters]);
  // Checks a recovery to `lsn`; on success sets acked_ and issued_ to the
  // per-writer counts it holds.
  bool Verify(const std::string& where, uint64_t lsn, uint64_t digest);

  const PowerCutConfig& c_;
  const Durability mode_;
  Summary& s_;
  std::vector<Workload> workloads_;
  wal::MemEnv mem_;
  FaultEnv faulty_;
  uint64_t acked_[kWriters] = {};   // edits acknowledged, per writer
  uint64_t issued_[kWriters] = {};  // edits that may have reached the log
  uint64_t max_acked_lsn_ = 0;
};

uint64_t GroupRun::DigestOf(const uint64_t (&k)[kWriters]) {
  std::map<std::string, std::string> files;
  for (int t = 0; t < kWriters; ++t)
    for (uint64_t i = 0; i < k[t]; ++i) {
      const Edit& e = workloads_[t].At(i);
      if (e.kind == Edit::kRemove) files.erase(e.path);
      else files[e.path] = e.content;
    }
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(Options{});
  for (const auto& [path, content] : files) (*e)->UpdateFile(path, content).IgnoreError();
  return (*e)->Digest();
}

bool GroupRun::Verify(const std::string& where, uint64_t lsn, uint64_t digest) {
  const std::string at = where + ": recovered LSN " + std::to_string(lsn);
  if (lsn < max_acked_lsn_) {
    s_.Fail(&s_.acked_lost, at + " < acknowledged " + std::to_string(max_acked_lsn_));
    return false;
  }
  // Every (k_t) with acked_t <= k_t <= issued_t and sum k_t = lsn.
  uint64_t k[kWriters];
  bool any = false;
  for (int combo = 0; combo < (1 << kWriters); ++combo) {
    uint64_t sum = 0;
    bool valid = true;
    for (int t = 0; t < kWriters; ++t) {
      k[t] = acked_[t] + ((combo >> t) & 1);
      valid &= k[t] <= issued_[t];
      sum += k[t];
    }
    if (!valid || sum != lsn) continue;
    any = true;
    if (DigestOf(k) == digest) {
      ++s_.recoveries_verified;
      for (int t = 0; t < kWriters; ++t) acked_[t] = issued_[t] = k[t];
      max_acked_lsn_ = lsn;
      return true;
    }
  }
  if (!any)
    s_.Fail(&s_.acked_lost, at + " is no combination of the writers' acknowledged and "
                                 "in-flight edits");
  else
    s_.Fail(&s_.damaged_accepted, at + ": the graph differs from every possible one");
  return false;
}

void GroupRun::Cycle(uint64_t cycle) {
  std::mt19937_64 rng(MixSeed(c_.seed, 5000011 + cycle));
  const std::string where = "power-cut loop, concurrent writers --seed " +
                            std::to_string(c_.seed) + " --cycles " +
                            std::to_string(cycle + 1) + " (cycle " + std::to_string(cycle) +
                            ", " + DurabilityName(mode_) + ")";
  ++s_.cycles;
  Options options = HarnessOptions(kDb, mode_);
  options.env = &faulty_;
  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(options);
  if (!opened.ok()) {
    s_.Fail(&s_.other_failures, where + ": open failed: " +
                                    std::string(opened.status().message()));
    return;
  }
  Engine& e = **opened;
  if (!Verify(where, e.Stats().version, e.Digest())) return;
  faulty_.Arm({.kinds = kOpAll, .nth = 1 + rng() % 300, .permanent = true});
  uint64_t edits[kWriters], max_lsn[kWriters] = {};
  bool failed[kWriters] = {};
  for (uint64_t& n : edits) n = 3 + rng() % 15;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t)
    writers.emplace_back([&, t] {
      for (uint64_t k = 0; k < edits[t]; ++k) {
        const uint64_t i = acked_[t];
        issued_[t] = i + 1;
        absl::StatusOr<uint64_t> got = Apply(e, workloads_[t].At(i));
        if (!got.ok()) {
          failed[t] = true;
          return;
        }
        acked_[t] = i + 1;
        max_lsn[t] = *got;
      }
    });
  for (std::thread& w : writers) w.join();
  for (int t = 0; t < kWriters; ++t) {
    max_acked_lsn_ = std::max(max_acked_lsn_, max_lsn[t]);
    if (failed[t] && e.Stats().write_error.empty())
      s_.Fail(&s_.other_failures, where + ": an edit failed but write_error is empty");
  }
  // The machine dies now if it has not yet; the power goes.
  faulty_.Arm({.kinds = kOpAll, .nth = 1, .permanent = true});
  opened->reset();
  faulty_.Disarm();
  const bool random_sectors = rng() % 2 == 0;
  mem_.PowerCut(random_sectors ? wal::MemEnv::PowerCutMode::kDropRandom
                               : wal::MemEnv::PowerCutMode::kDropUnsynced,
                rng());
  ++s_.kills[std::string("power cut, ") + std::to_string(kWriters) +
             " concurrent writers"];
  ++s_.faults["machine death: EIO from an I/O op on"];
  CheckDatabaseVerifies(&s_, where, &mem_, kDb);
}

void GroupRun::Finish(uint64_t cycle) {
  Options options = HarnessOptions(kDb, mode_);
  options.env = &mem_;
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(options);
  const std::string where = "power-cut loop, concurrent writers --seed " +
                            std::to_string(c_.seed) + " --cycles " +
                            std::to_string(cycle + 1) + " (final open)";
  if (!e.ok()) {
    s_.Fail(&s_.other_failures, where + ": " + std::string(e.status().message()));
    return;
  }
  Verify(where, (*e)->Stats().version, (*e)->Digest());
}

}  // namespace

Summary RunGroupCommitCuts(const PowerCutConfig& c) {
  Summary s;
  const auto start = std::chrono::steady_clock::now();
  const uint64_t per_db = std::max<uint64_t>(1, c.cycles_per_db);
  std::vector<Durability> modes;
  for (Durability d : c.modes)
    if (d != Durability::kNone) modes.push_back(d);  // none promises no power cut
  if (modes.empty()) return s;
  for (uint64_t run = 0, cycle = 0; cycle < c.cycles; ++run) {
    GroupRun r(c, run, modes[run % modes.size()], &s);
    for (uint64_t k = 0; k < per_db && cycle < c.cycles; ++k, ++cycle) r.Cycle(cycle);
    r.Finish(cycle - 1);
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace aim::fault
