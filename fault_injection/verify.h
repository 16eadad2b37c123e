// Checks shared by the harness's loops (see harness.h).
#ifndef AIM_FAULT_INJECTION_VERIFY_H_
#define AIM_FAULT_INJECTION_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "aim/engine.h"
#include "fault_injection/harness.h"
#include "fault_injection/workload.h"

namespace aim::wal {
class Env;
}  // namespace aim::wal

namespace aim::fault {

// A seed for (seed, cycle): every random choice of a cycle derives from it.
uint64_t MixSeed(uint64_t seed, uint64_t cycle);

// A database recovered to `lsn` with graph digest `digest`: it must hold at
// least `must_have` (acknowledged), at most `issued` (the last edit that
// may have reached the log), and exactly the model's graph at `lsn`.
// Records a failure in `s` and returns false otherwise.
bool VerifyRecovered(Summary* s, const std::string& where, uint64_t lsn,
                     uint64_t digest, uint64_t must_have, uint64_t issued,
                     Model& model);

// An edit failed: the engine must have stopped (write_error set, the next
// write refused), still show exactly the acknowledged state `acked`, and
// still answer queries.
void CheckFailStop(Summary* s, const std::string& where, Engine& e,
                   uint64_t acked, Model& model);

// The database in `dir` must verify (a torn tail is not damage).
void CheckDatabaseVerifies(Summary* s, const std::string& where, wal::Env* env,
                           const std::string& dir);

// Temporary files in the database directory and its wal/ ("*.tmp": a
// checkpoint, MANIFEST or segment whose creation a crash cut short). A
// database just opened for writing must have none: recovery removes them.
std::vector<std::string> Debris(wal::Env* env, const std::string& dir);

}  // namespace aim::fault

#endif  // AIM_FAULT_INJECTION_VERIFY_H_
