// aim-crash: the crash-recovery harness (see harness.h and the README's
// "Crash harness" section).
//
//   aim-crash all --cycles 300            the CI quick run (ctest crash_harness)
//   aim-crash kill --cycles 10000         the long run of kill cycles
//   aim-crash powercut --cycles 2000      in-process power cuts
//   aim-crash faults                      the I/O error loops
//   aim-crash child ...                   (run by the driver)
//
// Exit status: 0 when every invariant held, 1 otherwise.
#include <unistd.h>

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "fault_injection/harness.h"

namespace {

using aim::Durability;
using aim::fault::Summary;

// SIGINT / SIGTERM end the kill loop after its current cycle, so that a
// long run cut short still prints its table.
volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStop(int) { g_stop = 1; }

std::string SelfPath(const char* argv0) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return argv0;
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<Durability> Modes(const std::vector<std::string>& names) {
  std::vector<Durability> out;
  for (const std::string& n : names) out.push_back(aim::fault::ParseDurability(n));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aim-crash: kill -9 loops, power cuts and I/O faults against the engine"};
  app.require_subcommand(1);
  uint64_t seed = 1, cycles = 300, per_db = 60, power_cycles = 0, max_n = 0;
  std::vector<std::string> modes = {"sync", "batch", "none"};
  std::string dir = std::filesystem::temp_directory_path().string() + "/aim-crash-" +
                    std::to_string(::getpid());
  bool verbose = false, no_whitebox = false, keep = false;
  auto common = [&](CLI::App* sub) {
    sub->add_option("--seed", seed, "Seed of the run (printed with every failure)");
    sub->add_option("--modes", modes, "Durability modes: sync batch none")
        ->check(CLI::IsMember({"sync", "batch", "none"}));
    sub->add_flag("-v,--verbose", verbose, "Say what every cycle does");
  };
  CLI::App* kill = app.add_subcommand("kill", "SIGKILL a child running the engine, recover, verify");
  CLI::App* power = app.add_subcommand("powercut", "In-process power cuts on the in-memory Env");
  CLI::App* faults = app.add_subcommand("faults", "Fail the Nth I/O operation, N = 1, 2, 3, ...");
  CLI::App* all = app.add_subcommand("all", "kill + powercut + faults (the CI quick run)");
  for (CLI::App* sub : {kill, power, faults, all}) common(sub);
  for (CLI::App* sub : {kill, power, all}) {
    sub->add_option("--cycles", cycles, "Kill (or power-cut) cycles");
    sub->add_option("--cycles-per-db", per_db, "Cycles on one database before a fresh one");
  }
  for (CLI::App* sub : {kill, all}) {
    sub->add_option("--dir", dir, "Scratch directory for the databases");
    sub->add_flag("--no-whitebox", no_whitebox, "Blackbox kills only");
    sub->add_flag("--keep", keep, "Keep the scratch directory");
  }
  all->add_option("--power-cycles", power_cycles, "Power-cut cycles (default: --cycles)");
  for (CLI::App* sub : {faults, all})
    sub->add_option("--max-n", max_n, "Stop the fault loops at this N (0: run to the end)");

  aim::fault::ChildConfig child;
  std::string child_mode = "batch";
  CLI::App* child_cmd = app.add_subcommand("child", "Run the engine for the driver (internal)");
  child_cmd->add_option("--db", child.db)->required();
  child_cmd->add_option("--mode", child_mode);
  child_cmd->add_option("--seed", child.seed);
  child_cmd->add_option("--cycle", child.cycle);
  child_cmd->add_option("--max-edits", child.max_edits);
  child_cmd->add_option("--ack-fd", child.ack_fd);
  CLI11_PARSE(app, argc, argv);

  if (child_cmd->parsed()) {
    child.durability = aim::fault::ParseDurability(child_mode);
    return aim::fault::RunChild(child);
  }
  std::printf("aim-crash: seed %" PRIu64 "\n", seed);
  Summary total;
  auto report = [&](const Summary& s, const std::string& title) {
    s.Print(title);
    total.Merge(s);
  };
  if (kill->parsed() || all->parsed()) {
    aim::fault::KillConfig c;
    c.self = SelfPath(argv[0]);
    c.dir = dir;
    c.seed = seed;
    c.cycles = cycles;
    c.cycles_per_db = per_db;
    c.modes = Modes(modes);
    c.whitebox = !no_whitebox;
    c.verbose = verbose;
    c.stop = &g_stop;
    std::signal(SIGINT, OnStop);
    std::signal(SIGTERM, OnStop);
    Summary s = aim::fault::RunKillCycles(c);
    if (g_stop) std::printf("aim-crash: stopped by a signal after %" PRIu64 " cycles\n", s.cycles);
    report(s, "kill -9 cycles (child process, " + std::string(
#ifdef AIM_KILL_POINTS
                  c.whitebox ? "blackbox + kill points" : "blackbox"
#else
                  "blackbox; kill points not compiled in"
#endif
                  ) + ")");
    if (s.ok() && !keep) std::filesystem::remove_all(dir);
  }
  if (power->parsed() || all->parsed()) {
    aim::fault::PowerCutConfig c;
    c.seed = seed;
    c.cycles = all->parsed() && power_cycles != 0 ? power_cycles : cycles;
    c.cycles_per_db = per_db;
    c.modes = Modes(modes);
    c.verbose = verbose;
    report(aim::fault::RunPowerCuts(c), "power cuts (in process, MemEnv)");
    c.cycles = std::max<uint64_t>(1, c.cycles / 4);
    report(aim::fault::RunGroupCommitCuts(c), "power cuts, concurrent writers (group commit)");
  }
  if (faults->parsed() || all->parsed()) {
    aim::fault::FaultLoopConfig c;
    c.seed = seed;
    c.max_n = max_n;
    c.verbose = verbose;
    c.modes = Modes(modes);
    report(aim::fault::RunFaultLoops(c), "I/O fault loops (N = 1, 2, 3, ...)");
  }
  if (all->parsed()) total.Print("all loops");
  if (!total.ok()) {
    std::printf("aim-crash: FAILED (seed %" PRIu64 ")\n", seed);
    return 1;
  }
  std::printf("aim-crash: every invariant held\n");
  return 0;
}
