// SQLite-style I/O error loops: for N = 1, 2, 3, ... the Nth I/O operation
// of a phase (open with replay, edits, checkpoints, close) fails, and the
// engine must fail-stop, lose nothing it acknowledged, and recover.
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "fault_injection/fault_env.h"
#include "fault_injection/harness.h"
#include "fault_injection/verify.h"
#include "fault_injection/workload.h"
#include "wal/mem_env.h"

namespace aim::fault {
namespace {

constexpr char kDb[] = "/db";
constexpr uint64_t kSetupEdits = 24;  // before the faulty phase
constexpr uint64_t kPhaseEdits = 30;

struct Variant {
  const char* name;
  Fault fault;
  bool then_lie = false;  // once the fault fired, every later sync lies
};

const Variant kVariants[] = {
    {"EIO once, any op", {.kinds = kOpAll, .err = EIO}},
    {"EIO from then on, any op", {.kinds = kOpAll, .err = EIO, .permanent = true}},
    // fsyncgate: after a failed fsync of the log, a later fsync of it
    // reports success without making anything durable. An engine that
    // retried instead of stopping would acknowledge records it then loses.
    {"WAL fsync EIO, later ones lie",
     {.kinds = kOpSync, .err = EIO, .path_contains = "/wal/"}, true},
    {"ENOSPC from then on", {.kinds = kOpWrite | kOpAllocate, .err = ENOSPC, .permanent = true}},
};

Options OptionsOn(wal::Env* env, Durability d) {
  Options o = HarnessOptions(kDb, d);
  o.env = env;
  return o;
}

// One N of one variant; returns whether the fault fired (once it no longer
// does, N is past the phase's last I/O operation).
bool FaultOnce(const FaultLoopConfig& c, const Variant& v, Durability mode,
               uint64_t n, Model& model, Summary* s) {
  const std::string where = std::string("fault loop --seed ") + std::to_string(c.seed) +
                            " (" + v.name + ", " + DurabilityName(mode) + ", N=" +
                            std::to_string(n) + ")";
  wal::MemEnv mem;
  uint64_t acked = 0;
  {
    absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(OptionsOn(&mem, mode));
    if (!e.ok()) {
      s->Fail(&s->other_failures, where + ": setup: " + std::string(e.status().message()));
      return false;
    }
    for (uint64_t i = 0; i < kSetupEdits; ++i) {
      absl::StatusOr<uint64_t> got = Apply(**e, model.workload().At(i));
      if (!got.ok()) {
        s->Fail(&s->other_failures, where + ": setup: " + std::string(got.status().message()));
        return false;
      }
      acked = *got;
      if (i == kSetupEdits / 2) (*e)->Checkpoint().IgnoreError();
    }
  }
  ++s->cycles;
  FaultEnv faulty(&mem);
  Fault f = v.fault;
  f.nth = n;
  faulty.Arm(f);
  bool lying = false;
  auto maybe_lie = [&] {
    if (v.then_lie && !lying && faulty.injected() > 0) {
      faulty.Arm({.kinds = kOpSync, .nth = 1, .permanent = true, .lie = true,
                  .path_contains = "/wal/"});
      lying = true;
    }
  };
  uint64_t issued = acked;
  {
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(OptionsOn(&faulty, mode));
    maybe_lie();
    if (opened.ok()) {
      Engine& e = **opened;
      VerifyRecovered(s, where + " (open under the fault)", e.Stats().version, e.Digest(),
                      acked, acked, model);
      for (uint64_t k = 0; k < kPhaseEdits; ++k) {
        const uint64_t i = acked;
        issued = i + 1;
        absl::StatusOr<uint64_t> got = Apply(e, model.workload().At(i));
        maybe_lie();
        if (!got.ok()) {
          CheckFailStop(s, where, e, acked, model);
          break;
        }
        if (*got != i + 1) {
          s->Fail(&s->other_failures, where + ": edit " + std::to_string(i) + " got LSN " +
                                          std::to_string(*got));
          break;
        }
        acked = *got;
        if (k % 10 == 9) {
          e.Checkpoint().IgnoreError();  // a failed checkpoint need not stop writes
          maybe_lie();
        }
      }
    } else if (faulty.injected() == 0) {
      s->Fail(&s->other_failures, where + ": open failed with no fault injected: " +
                                      std::string(opened.status().message()));
    }
  }  // the engine closes while the fault is still armed
  const uint64_t injected = faulty.injected();
  faulty.Disarm();
  if (injected > 0) s->faults[v.name] += injected;
  // The power goes: what was acknowledged must have been durable (sync and
  // batch). Mode none promises only to survive the process: no power cut.
  if (mode != Durability::kNone)
    mem.PowerCut(wal::MemEnv::PowerCutMode::kDropUnsynced);
  CheckDatabaseVerifies(s, where, &mem, kDb);
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(OptionsOn(&mem, mode));
  if (!e.ok()) {
    s->Fail(&s->other_failures, where + ": does not reopen after the fault: " +
                                    std::string(e.status().message()));
    return injected > 0;
  }
  const uint64_t lsn = (*e)->Stats().version;
  if (VerifyRecovered(s, where, lsn, (*e)->Digest(), acked, issued, model)) {
    // And it takes writes again.
    absl::StatusOr<uint64_t> got = Apply(**e, model.workload().At(lsn));
    if (!got.ok() || *got != lsn + 1)
      s->Fail(&s->other_failures, where + ": no write accepted after recovery");
  }
  if (c.verbose)
    std::fprintf(stderr, "%s: injected %" PRIu64 ", acked %" PRIu64 ", recovered %" PRIu64 "\n",
                 where.c_str(), injected, acked, lsn);
  return injected > 0;
}

}  // namespace

Summary RunFaultLoops(const FaultLoopConfig& c) {
  Summary s;
  const auto start = std::chrono::steady_clock::now();
  Model model(MixSeed(c.seed, 3000017));
  for (Durability mode : c.modes)
    for (const Variant& v : kVariants)
      for (uint64_t n = 1; c.max_n == 0 || n <= c.max_n; ++n)
        if (!FaultOnce(c, v, mode, n, model, &s)) break;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace aim::fault
