// The crash harness (`aim-crash`): proves that nothing acknowledged is ever
// lost and nothing damaged is ever believed, in the manner of RocksDB's
// crash test and LevelDB's fault-injection env.
//
// Three loops, each checking every recovery against the Model (an
// in-memory engine that applied the same seeded workload):
//   RunKillCycles   the engine runs in a child process (`aim-crash child`)
//                   that reports every acknowledged LSN through a pipe; the
//                   driver SIGKILLs it at a random moment (blackbox), or the
//                   child dies at a kill point the driver picked (whitebox,
//                   AIM_KILL_AT; needs -DAIM_KILL_POINTS=ON), sometimes
//                   during recovery itself; then a new child recovers.
//   RunPowerCuts    in process, on a MemEnv: the "machine" dies at a random
//                   I/O operation (every later one fails), the power is cut
//                   (unsynced data and names dropped, or sectors kept at
//                   random), and the engine recovers.
//   RunFaultLoops   SQLite-style: for N = 1, 2, 3, ... the Nth I/O
//                   operation of a workload (with replay and checkpoints)
//                   fails, once or from then on; fsync EIO followed by
//                   fsyncs that lie; ENOSPC. The engine must fail-stop
//                   (write_error set, writes refused, queries go on) and
//                   lose nothing it acknowledged.
// After every recovery: recovered LSN >= last acknowledged (every mode for
// a process kill; sync and batch for a power cut), at most the LSN of the
// edit in flight, the graph digest equal to the model's for that LSN, and
// the database verifying (recovery::CheckDatabase).
//
// Every random choice derives from (seed, cycle), and a failure prints both,
// so `aim-crash <loop> --seed S --cycles K+1` replays it (the blackbox
// loop's kill moments depend on timing as well).
#ifndef AIM_FAULT_INJECTION_HARNESS_H_
#define AIM_FAULT_INJECTION_HARNESS_H_

#include <csignal>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aim/engine.h"

namespace aim::fault {

// What the loops did and found; printed as the summary table.
struct Summary {
  uint64_t cycles = 0;
  uint64_t recoveries_verified = 0;
  std::map<std::string, uint64_t> kills;   // by kill point / "blackbox"
  std::map<std::string, uint64_t> faults;  // by kind, injected
  uint64_t acked_lost = 0;       // must be 0
  uint64_t damaged_accepted = 0; // must be 0
  uint64_t other_failures = 0;   // refused to open, fail-stop broken, ...
  std::vector<std::string> failures;  // the first few, with seed and cycle
  double seconds = 0;

  bool ok() const {
    return acked_lost == 0 && damaged_accepted == 0 && other_failures == 0;
  }
  void Fail(uint64_t* counter, const std::string& what);
  void Merge(const Summary& other);
  void Print(const std::string& title) const;
};

Durability ParseDurability(const std::string& name);  // sync | batch | none
const char* DurabilityName(Durability d);

struct KillConfig {
  std::string self;        // path of the aim-crash binary (for the child)
  std::string dir;         // scratch directory for the databases
  uint64_t seed = 1;
  uint64_t cycles = 300;
  uint64_t cycles_per_db = 60;  // then a fresh database (and mode)
  std::vector<Durability> modes = {Durability::kSync, Durability::kBatch,
                                   Durability::kNone};
  bool whitebox = true;    // kill points (only if compiled in)
  bool verbose = false;
  // Set (by a signal handler) to end the run after the current cycle.
  const volatile std::sig_atomic_t* stop = nullptr;
};
Summary RunKillCycles(const KillConfig& config);

// The child: opens the database, reports "open <lsn> <digest>" then
// "ack <lsn>" per acknowledged edit on fd `ack_fd`, and runs edits (with a
// checkpoint now and then) until `max_edits` more were acknowledged.
struct ChildConfig {
  std::string db;
  Durability durability = Durability::kBatch;
  uint64_t seed = 1;     // the workload's
  uint64_t cycle = 0;    // varies checkpoint timing
  uint64_t max_edits = 200;
  int ack_fd = 3;
};
int RunChild(const ChildConfig& config);

struct PowerCutConfig {
  uint64_t seed = 1;
  uint64_t cycles = 200;
  uint64_t cycles_per_db = 40;
  std::vector<Durability> modes = {Durability::kSync, Durability::kBatch,
                                   Durability::kNone};
  bool verbose = false;
};
Summary RunPowerCuts(const PowerCutConfig& config);
// The same with three writer threads at once (group commit), sync and
// batch only; see group_commit.cc for how the expected state is found.
Summary RunGroupCommitCuts(const PowerCutConfig& config);

struct FaultLoopConfig {
  uint64_t seed = 1;
  uint64_t max_n = 0;  // 0: until a run completes without the fault firing
  // kNone is checked against a process crash (no power cut after it).
  std::vector<Durability> modes = {Durability::kSync, Durability::kBatch,
                                   Durability::kNone};
  bool verbose = false;
};
Summary RunFaultLoops(const FaultLoopConfig& config);

// Engine options the loops use: small segments and checkpoints often, so
// that rolls, drops and compactions happen within a few edits.
// With `env` (null: the POSIX one).
Options HarnessOptions(const std::string& db, Durability d, wal::Env* env = nullptr);

}  // namespace aim::fault

#endif  // AIM_FAULT_INJECTION_HARNESS_H_
