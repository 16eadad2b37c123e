// The process-kill loop: a driver that SIGKILLs a child running the engine
// (blackbox) or lets it die at a kill point (whitebox), and checks each
// recovery against the model.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fault_injection/harness.h"
#include "fault_injection/verify.h"
#include "fault_injection/workload.h"
#include "wal/kill_point.h"

namespace aim::fault {
namespace {

namespace fs = std::filesystem;

// The kill points on the durability and recovery paths (grep
// AIM_KILL_POINT). `common` ones are hit about once per edit; the others
// (a segment roll every ~30 edits, checkpoints) a few times per child.
// wal.open.repair needs a torn tail, which a SIGKILL rarely leaves (the
// power-cut loop makes them).
struct Point {
  const char* name;
  bool common;
};
constexpr Point kPoints[] = {
    {"wal.before_write", true},          {"wal.after_write", true},
    {"wal.before_sync", true},           {"wal.after_sync", true},
    {"wal.before_ack", true},            {"wal.roll.sync_old", false},
    {"wal.roll.create", false},          {"wal.roll.sync_new", false},
    {"wal.roll.rename", false},          {"wal.roll.sync_dir", false},
    {"wal.drop.remove", false},          {"wal.drop.sync_dir", false},
    {"atomic.before_rename", false},     {"atomic.before_sync_dir", false},
    {"manifest.write", false},           {"checkpoint.write", false},
    {"checkpoint.before_manifest", false}, {"checkpoint.before_drop", false},
    {"checkpoint.remove_old", false},    {"recovery.replay", true},
    {"wal.open.repair", false},
};

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One child process and the lines it reports.
class Child {
 public:
  Child(const KillConfig& c, const std::string& db, Durability d, uint64_t seed,
        uint64_t cycle, const std::string& kill_at, const std::string& err_path,
        int max_edits) {
    int fds[2];
    if (::pipe(fds) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      if (fds[1] != 3) {
        ::dup2(fds[1], 3);
        ::close(fds[1]);
      }
      const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) {
        ::dup2(err, 2);
        ::close(err);
      }
      if (kill_at.empty()) ::unsetenv("AIM_KILL_AT");
      else ::setenv("AIM_KILL_AT", kill_at.c_str(), 1);
      const std::string seed_s = std::to_string(seed), cycle_s = std::to_string(cycle),
                        edits_s = std::to_string(max_edits);
      ::execl(c.self.c_str(), "aim-crash", "child", "--db", db.c_str(), "--mode",
              DurabilityName(d), "--seed", seed_s.c_str(), "--cycle", cycle_s.c_str(),
              "--max-edits", edits_s.c_str(), "--ack-fd", "3", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The next line, or false at EOF.
  bool Next(std::string* line) {
    for (;;) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        *line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      char tmp[4096];
      const ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  void Kill() { ::kill(pid_, SIGKILL); }
  int Wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::string buf_;
};

// One database's run of cycles, in one durability mode.
class KillRun {
 public:
  KillRun(const KillConfig& c, uint64_t run, Durability d, Summary* s)
      : c_(c), run_(run), mode_(d), s_(*s),
        seed_(MixSeed(c.seed, 1000003 + run)), model_(seed_),
        db_(c.dir + "/db-" + std::to_string(run)),
        err_(c.dir + "/child-" + std::to_string(run) + ".err") {
    fs::remove_all(db_);
  }
  ~KillRun() {
    if (s_.ok()) fs::remove_all(db_);
  }

  void Cycle(uint64_t cycle);
  // A last open, without a kill, verifies the last cycle's crash.
  void Finish(uint64_t cycle) { Cycle(cycle, true); }

 private:
  void Cycle(uint64_t cycle, bool final);
  std::string Where(uint64_t cycle) const {
    return "kill loop --seed " + std::to_string(c_.seed) + " --cycles " +
           std::to_string(cycle + 1) + " (cycle " + std::to_string(cycle) + ", " +
           DurabilityName(mode_) + ", db " + db_ + ")";
  }

  const KillConfig& c_;
  const uint64_t run_;
  const Durability mode_;
  Summary& s_;
  const uint64_t seed_;
  Model model_;
  const std::string db_, err_;
  uint64_t acked_ = 0;  // the last LSN any child acknowledged (or recovered)
  int recovery_kills_left_ = 0;  // a streak of crashes during recovery
};

void KillRun::Cycle(uint64_t cycle) { Cycle(cycle, false); }

void KillRun::Cycle(uint64_t cycle, bool final) {
  std::mt19937_64 rng(MixSeed(c_.seed, cycle));
  const uint64_t dice = rng() % 100;
  std::string kill_at, kind;
  int64_t kill_after_acks = -1;    // blackbox: kill after this many acks
  int64_t kill_after_spawn_us = -1;  // blackbox: kill during recovery
  uint64_t delay_us = 0;
#ifdef AIM_KILL_POINTS
  const bool whitebox = c_.whitebox;
#else
  const bool whitebox = false;
#endif
  if (!final && dice < 10 && recovery_kills_left_ == 0)
    recovery_kills_left_ = 1 + static_cast<int>(rng() % 4);
  if (final) {
    kind = "(none: final verification)";
  } else if (recovery_kills_left_ > 0) {
    // Dies while opening, maybe again and again: recovery must survive
    // crashes of its own.
    --recovery_kills_left_;
    kill_after_spawn_us = static_cast<int64_t>(rng() % 150000);
    kind = "blackbox during recovery";
  } else if (whitebox && dice < 60) {
    const size_t n_points = sizeof kPoints / sizeof kPoints[0];
    const uint64_t pick = rng() % (n_points + 2);
    if (pick >= n_points) {
      kill_at = "*:" + std::to_string(1 + rng() % 200);
    } else {
      const Point& p = kPoints[pick];
      kill_at = std::string(p.name) + ":" + std::to_string(1 + rng() % (p.common ? 30 : 3));
    }
    kind = "whitebox";
  } else {
    kill_after_acks = static_cast<int64_t>(rng() % 25);
    delay_us = rng() % 3000;
    kind = "blackbox";
  }
  if (!final) ++s_.cycles;
  const std::string where = Where(cycle) + (kill_at.empty() ? "" : " AIM_KILL_AT=" + kill_at);
  if (c_.verbose) std::fprintf(stderr, "cycle %" PRIu64 ": %s\n", cycle, where.c_str());

  Child child(c_, db_, mode_, seed_, cycle, kill_at, err_, final ? 0 : 30);
  if (kill_after_spawn_us >= 0) {
    ::usleep(static_cast<useconds_t>(kill_after_spawn_us));
    child.Kill();
  }
  std::string line;
  uint64_t acks = 0;
  bool opened = false;
  while (child.Next(&line)) {
    if (line.rfind("open ", 0) == 0) {
      uint64_t lsn = 0, digest = 0;
      std::sscanf(line.c_str(), "open %" SCNu64 " %" SCNu64, &lsn, &digest);
      opened = true;
      // Every mode survives a process kill: an acknowledged record was at
      // least handed to the OS. At most the one edit in flight may be
      // there without an acknowledgement.
      VerifyRecovered(&s_, where, lsn, digest, acked_, acked_ + 1, model_);
      acked_ = lsn;
    } else if (line.rfind("ack ", 0) == 0) {
      const uint64_t lsn = std::strtoull(line.c_str() + 4, nullptr, 10);
      if (!opened || lsn != acked_ + 1)
        s_.Fail(&s_.other_failures, where + ": acknowledged LSN " + std::to_string(lsn) +
                                        " after " + std::to_string(acked_) + " (a gap)");
      acked_ = lsn;
      if (kill_after_acks >= 0 && ++acks == static_cast<uint64_t>(kill_after_acks) + 1) {
        ::usleep(static_cast<useconds_t>(delay_us));
        child.Kill();
      }
    } else if (line != "done") {
      s_.Fail(&s_.other_failures, where + ": child says: " + line);
    }
  }
  if (kill_after_acks >= 0 && acks < static_cast<uint64_t>(kill_after_acks) + 1)
    child.Kill();  // it stopped early (it never should); do not wait forever
  const int status = child.Wait();
  const std::string err = ReadText(err_);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
    std::string point = kind;
    const size_t at = err.find("kill point ");
    if (at != std::string::npos)
      point = err.substr(at + 11, err.find('\n', at) - at - 11);
    if (kill_after_spawn_us >= 0 && opened) point = "blackbox soon after recovery";
    ++s_.kills[point];
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    ++s_.kills[final ? kind : "(none: clean exit)"];
  } else {
    s_.Fail(&s_.other_failures, where + ": child died with status " +
                                    std::to_string(status) + ": " + err);
  }
  // What the next child will open must verify now (a torn tail is fine).
  CheckDatabaseVerifies(&s_, where, nullptr, db_);
}

}  // namespace

int RunChild(const ChildConfig& c) {
  auto say = [&](const std::string& s) { WriteAll(c.ack_fd, s + "\n"); };
  absl::StatusOr<std::unique_ptr<Engine>> opened =
      Engine::Open(HarnessOptions(c.db, c.durability));
  if (!opened.ok()) {
    say("error opening: " + std::string(opened.status().message()));
    return 2;
  }
  Engine& e = **opened;
  const uint64_t start = e.Stats().version;
  say("open " + std::to_string(start) + " " + std::to_string(e.Digest()));
  for (const std::string& name : Debris(nullptr, c.db))
    say("error: crash debris left after recovery: " + name);
  Workload w(c.seed);
  std::mt19937_64 rng(MixSeed(c.seed, c.cycle) ^ 0x9e3779b97f4a7c15ull);
  uint64_t next_checkpoint = 5 + rng() % 15;
  for (uint64_t k = 0; k < c.max_edits; ++k) {
    const uint64_t i = start + k;
    absl::StatusOr<uint64_t> lsn = Apply(e, w.At(i));
    if (!lsn.ok()) {
      say("error at edit " + std::to_string(i) + ": " + std::string(lsn.status().message()));
      return 3;
    }
    if (*lsn != i + 1) {
      say("error: edit " + std::to_string(i) + " got LSN " + std::to_string(*lsn));
      return 4;
    }
    say("ack " + std::to_string(*lsn));
    if (--next_checkpoint == 0) {
      next_checkpoint = 5 + rng() % 15;
      if (absl::StatusOr<uint64_t> cp = e.Checkpoint(); !cp.ok()) {
        say("error in checkpoint: " + std::string(cp.status().message()));
        return 5;
      }
    }
  }
  const std::string error = e.Stats().checkpoint_error;
  if (!error.empty()) say("error in background checkpoint: " + error);
  say("done");
  return 0;
}

Summary RunKillCycles(const KillConfig& c) {
  Summary s;
  const auto start = std::chrono::steady_clock::now();
  fs::create_directories(c.dir);
  const uint64_t per_db = std::max<uint64_t>(1, c.cycles_per_db);
  auto stopped = [&] { return c.stop != nullptr && *c.stop != 0; };
  for (uint64_t run = 0, cycle = 0; cycle < c.cycles && !stopped(); ++run) {
    const Durability mode = c.modes[run % c.modes.size()];
    KillRun r(c, run, mode, &s);
    for (uint64_t k = 0; k < per_db && cycle < c.cycles && !stopped(); ++k, ++cycle) {
      r.Cycle(cycle);
      if (k + 1 == per_db || cycle + 1 == c.cycles || stopped()) r.Finish(cycle);
      if ((cycle + 1) % 500 == 0)
        std::fprintf(stderr, "aim-crash: %" PRIu64 " kill cycles, %" PRIu64
                             " recoveries verified, %s\n",
                     cycle + 1, s.recoveries_verified, s.ok() ? "no failure" : "FAILURES");
    }
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace aim::fault
