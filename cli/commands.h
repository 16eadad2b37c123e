// The `aim` subcommands, over the public API (include/aim) only.
#ifndef AIM_CLI_COMMANDS_H_
#define AIM_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "aim/engine.h"

namespace aim::cli {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitNoAnswer = 1;  // unknown or ambiguous name
inline constexpr int kExitError = 2;     // bad usage, database error

struct CommonArgs {
  std::string db = ".aim";
  bool json = false;
  Durability durability = Durability::kBatch;
  RecoveryMode recovery = RecoveryMode::kPointInTime;
};

int RunIngest(const CommonArgs& common, const std::string& dir, int threads);
int RunCheck(const CommonArgs& common);
// `aim query` and `aim stats` open the database read-only when no daemon
// serves it, and hand the engine to *keep rather than closing it: the
// caller ends the process with ExitNow, which skips freeing a large graph
// piece by piece (tens of ms for the real-crate set; a read-only engine
// has nothing to write back).
int RunQuery(const CommonArgs& common, const QueryRequest& request,
             std::unique_ptr<Engine>* keep);
int RunStats(const CommonArgs& common, std::unique_ptr<Engine>* keep);
// Flushes standard output and error and ends the process at once, without
// running destructors.
[[noreturn]] void ExitNow(int code);
int RunExport(const CommonArgs& common, const std::string& format,
              const std::string& out_path);
// The daemon: watches `dir`, serves queries on <db>/aim.sock until SIGINT
// or SIGTERM. Refused (exit 2) while another daemon serves the database.
int RunWatch(const CommonArgs& common, const std::string& dir, int debounce_ms);

}  // namespace aim::cli

#endif  // AIM_CLI_COMMANDS_H_
