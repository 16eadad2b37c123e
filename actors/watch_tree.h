// Internal to the watcher (actors/watcher.h): what it knows of the watched
// tree -- which directory each inotify watch stands for, which directories
// are polled instead, which files exist -- and the paths waiting for the
// next batch. The Watcher turns inotify events into calls on this class;
// this class makes the watches and the file system calls, and decides what
// a batch says from the file system's state when the batch is made.
//
// Paths are relative to the root, '/'-separated; the root itself is "".
// Not thread-safe: one owner (the Watcher, inside Next()).
#ifndef AIM_ACTORS_WATCH_TREE_H_
#define AIM_ACTORS_WATCH_TREE_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/watcher.h"

namespace aim::host {

// `*.rs` (not just ".rs") or `Cargo.toml`.
bool IsWatchedFileName(const std::string& name);

// `dir` + '/' + `name`, or `name` when `dir` is the root ("").
std::string JoinPath(const std::string& dir, const std::string& name);

class WatchTree {
 public:
  using Clock = std::chrono::steady_clock;

  // `root` is canonical and absolute, and so are `options.skip_abs`;
  // `inotify_fd` < 0 means no inotify (every directory is polled, and the
  // warning gives `no_inotify` as the reason). The descriptor stays owned
  // by the caller.
  WatchTree(std::string root, const WatchOptions& options, int inotify_fd,
            const std::string& no_inotify = "");

  // Watches `dir` and every directory below it (unless skipped or polled)
  // and then scans them: each watched file found that is new or differs
  // from what is known becomes pending. With `report` false the files found
  // are learnt silently instead (the first scan when initial_scan is off).
  void AddTree(const std::string& dir, Clock::time_point now,
               bool report = true);

  // `dir` and everything below it left the tree: drops their watches (and
  // polling), and makes every known file under them pending.
  void RemoveTree(const std::string& dir, Clock::time_point now);

  // An event on the watched file `path` (created, written, deleted, moved):
  // it becomes pending and will be reported as it is at flush time.
  void Touch(const std::string& path, Clock::time_point now);

  // The directory a watch descriptor stands for; nullptr if unknown (its
  // directory was dropped since the kernel queued the event).
  const std::string* DirOfWatch(int wd) const;

  // The kernel dropped watch `wd` (IN_IGNORED).
  void ForgetWatch(int wd);

  // Whether the directory `name` inside `parent` is never entered.
  bool IsSkippedDir(const std::string& parent, const std::string& name) const;

  // The kernel's queue overflowed: rebuilds the watches from the tree on
  // disk and makes pending every file that differs from what is known
  // (new, changed by (mtime, size, inode), or gone).
  void FullRescan(Clock::time_point now);

  // Rescans the polled directories (those that could not be watched).
  void PollRescan(Clock::time_point now);
  bool HasPolledDirs() const { return !polled_.empty(); }

  // Adds a warning to the next batch.
  void Warn(std::string warning, Clock::time_point now);

  // When Flush() should run next; nullopt when nothing is pending.
  std::optional<Clock::time_point> FlushDeadline() const;

  // Decides the pending paths from the file system's state now. Known files
  // found missing within `removal_grace` of their last event stay pending.
  WatchBatch Flush(Clock::time_point now);

  std::size_t watch_count() const { return wd_dirs_.size(); }

 private:
  struct Stamp {
    std::int64_t mtime_ns = 0;
    std::int64_t size = 0;
    ino_t inode = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  struct Pending {
    bool from_event = false;  // an event on the path itself: report changed
                              // even if the stamp looks the same
    Clock::time_point last;
  };

  std::string Abs(const std::string& rel) const;
  static std::optional<Stamp> StatFile(const std::string& abs);
  void MarkPending(const std::string& path, bool from_event,
                   Clock::time_point now);
  void NoteBurst(Clock::time_point now);
  // Is `dir` or one of its ancestors polled?
  bool UnderPolled(const std::string& dir) const;
  // Adds a watch on `dir`; on a watch limit, polls it instead. Returns
  // whether it is watched.
  bool TryWatch(const std::string& dir, Clock::time_point now);
  // AddTree, also collecting in `seen` (if not null) the files found.
  void ScanTree(const std::string& dir, Clock::time_point now, bool report,
                std::unordered_set<std::string>* seen);
  // Scans `dir` and makes pending what differs: files new or changed, and
  // known files no longer there.
  void RescanTree(const std::string& dir, Clock::time_point now);
  // Scans one directory: pushes its subdirectories on `todo`, handles its
  // files (and adds them to `seen` if not null).
  void ScanDir(const std::string& dir, bool report, Clock::time_point now,
               std::vector<std::string>& todo,
               std::unordered_set<std::string>* seen);
  // Every known file at or under `dir` ("" = all) becomes pending.
  void MarkKnownUnder(const std::string& dir, bool from_event,
                      Clock::time_point now);
  std::string PolledWarning() const;

  const std::string root_;
  const WatchOptions options_;
  const int inotify_fd_;

  std::unordered_map<int, std::string> wd_dirs_;  // watch -> directory
  std::map<std::string, int> dir_wds_;            // directory -> watch
  std::set<std::string> polled_;           // topmost directories polled instead
  std::vector<std::string> newly_polled_;  // since the last batch
  std::string limit_reason_;               // of the last watch failure
  std::set<std::string> skip_abs_;

  std::map<std::string, Stamp> known_;  // files believed to exist
  std::map<std::string, Pending> pending_;
  std::vector<std::string> warnings_;
  std::optional<Clock::time_point> burst_start_;
  Clock::time_point burst_last_;
  std::optional<Clock::time_point> retry_at_;  // for deferred removals
};

}  // namespace aim::host

#endif  // AIM_ACTORS_WATCH_TREE_H_
