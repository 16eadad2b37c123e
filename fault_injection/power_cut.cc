// The power-cut loop: in process, on a MemEnv. The "machine" dies at a
// random I/O operation (that one and every later one fail, a write possibly
// half done), the power is cut, and the engine recovers.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <random>

#include "fault_injection/fault_env.h"
#include "fault_injection/harness.h"
#include "fault_injection/workload.h"
#include "fault_injection/verify.h"
#include "recovery/store.h"
#include "wal/mem_env.h"

namespace aim::fault {
namespace {

constexpr char kDb[] = "/db";

class PowerRun {
 public:
  PowerRun(const PowerCutConfig& c, uint64_t run, Durability d, Summary* s)
      : c_(c), mode_(d), s_(*s), model_(MixSeed(c.seed, 2000003 + run)), faulty_(&mem_) {}

  void Cycle(uint64_t cycle);
  // A last open verifies the last cycle's power cut.
  void Finish(uint64_t cycle);

 private:
  const PowerCutConfig& c_;
  const Durability mode_;
  Summary& s_;
  Model model_;
  wal::MemEnv mem_;
  FaultEnv faulty_;
  uint64_t acked_ = 0;   // the last LSN acknowledged (or recovered)
  uint64_t floor_ = 0;   // kNone: the last LSN known durable (checkpoint)
  uint64_t issued_ = 0;  // the last LSN an edit may have been given
};

void PowerRun::Cycle(uint64_t cycle) {
  std::mt19937_64 rng(MixSeed(c_.seed, cycle));
  const std::string where =
      "power-cut loop --seed " + std::to_string(c_.seed) + " --cycles " +
      std::to_string(cycle + 1) + " (cycle " + std::to_string(cycle) + ", " +
      DurabilityName(mode_) + ")";
  ++s_.cycles;
  const bool during_recovery = rng() % 100 < 15;
  const uint64_t death_at = during_recovery ? 1 + rng() % 40 : 1 + rng() % 400;
  const uint64_t injected_before = faulty_.injected();
  if (during_recovery) faulty_.Arm({.kinds = kOpAll, .nth = death_at, .permanent = true});

  Options options = HarnessOptions(kDb, mode_);
  options.env = &faulty_;
  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(options);
  if (opened.ok()) {
    Engine& e = **opened;
    const uint64_t lsn = e.Stats().version;
    // After a power cut only sync and batch promise every acknowledged
    // edit; none promises what a checkpoint or an explicit sync made
    // durable.
    const uint64_t must_have = mode_ == Durability::kNone ? floor_ : acked_;
    if (VerifyRecovered(&s_, where, lsn, e.Digest(), must_have, issued_, model_)) {
    }
    for (const std::string& name : Debris(&faulty_, kDb))
      s_.Fail(&s_.other_failures, where + ": crash debris left after recovery: " + name);
    // What survived a power cut is on disk: the new baseline.
    acked_ = issued_ = floor_ = lsn;
    if (!during_recovery) faulty_.Arm({.kinds = kOpAll, .nth = death_at, .permanent = true});
    const uint64_t edits = 5 + rng() % 40;
    for (uint64_t k = 0; k < edits; ++k) {
      const uint64_t i = acked_;
      issued_ = i + 1;
      absl::StatusOr<uint64_t> got = Apply(e, model_.workload().At(i));
      if (!got.ok()) {
        CheckFailStop(&s_, where, e, acked_, model_);
        break;
      }
      if (*got != i + 1) {
        s_.Fail(&s_.other_failures, where + ": edit " + std::to_string(i) +
                                        " got LSN " + std::to_string(*got));
        break;
      }
      acked_ = *got;
      if (rng() % 10 == 0) e.Checkpoint().IgnoreError();  // may meet the death
      floor_ = std::max(floor_, e.Stats().durable_lsn);
    }
  } else if (faulty_.injected() == injected_before) {
    s_.Fail(&s_.other_failures, where + ": open failed with no fault injected: " +
                                    std::string(opened.status().message()));
  }
  // The machine dies now if it has not yet: nothing more reaches the disk,
  // not even what the engine does while it is destroyed.
  faulty_.Arm({.kinds = kOpAll, .nth = 1, .permanent = true});
  if (opened.ok()) opened->reset();
  faulty_.Disarm();
  const bool random_sectors = rng() % 2 == 0;
  mem_.PowerCut(random_sectors ? wal::MemEnv::PowerCutMode::kDropRandom
                               : wal::MemEnv::PowerCutMode::kDropUnsynced,
                rng());
  ++s_.kills[std::string(random_sectors ? "power cut, random sectors"
                                        : "power cut, unsynced dropped") +
             (during_recovery ? " (during recovery)" : "")];
  ++s_.faults["machine death: EIO from an I/O op on"];
  CheckDatabaseVerifies(&s_, where, &mem_, kDb);
}

void PowerRun::Finish(uint64_t cycle) {
  Options options = HarnessOptions(kDb, mode_);
  options.env = &mem_;
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(options);
  const std::string where = "power-cut loop --seed " + std::to_string(c_.seed) +
                            " --cycles " + std::to_string(cycle + 1) + " (final open, " +
                            DurabilityName(mode_) + ")";
  if (!e.ok()) {
    s_.Fail(&s_.other_failures, where + ": " + std::string(e.status().message()));
    return;
  }
  VerifyRecovered(&s_, where, (*e)->Stats().version, (*e)->Digest(),
                  mode_ == Durability::kNone ? floor_ : acked_, issued_, model_);
}

}  // namespace

Summary RunPowerCuts(const PowerCutConfig& c) {
  Summary s;
  const auto start = std::chrono::steady_clock::now();
  const uint64_t per_db = std::max<uint64_t>(1, c.cycles_per_db);
  for (uint64_t run = 0, cycle = 0; cycle < c.cycles; ++run) {
    PowerRun r(c, run, c.modes[run % c.modes.size()], &s);
    for (uint64_t k = 0; k < per_db && cycle < c.cycles; ++k, ++cycle) r.Cycle(cycle);
    r.Finish(cycle - 1);
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace aim::fault
