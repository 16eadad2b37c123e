// The file watcher of the live engine: reports changes to a Rust workspace
// on disk as debounced batches of (relative path, changed | removed).
//
// Linux only (inotify). Plain C++: a later step runs it inside a detached
// CAF actor that calls Next() in a loop.
//
// What is reported: regular files named `*.rs` or `Cargo.toml` (symbolic
// links to regular files count; directory links are not followed), under
// the root, outside skipped directories. Skipped directories are hidden
// ones (name starting with '.'), those named in `skip_dirs` (`target` by
// default) and those listed in `skip_abs`; nothing below them is reported.
//
// What a batch means: each path appears at most once, with the state the
// file system had when the batch was made ("final state wins"):
//   - kChanged: the file exists and was created, written, renamed or moved
//     here, or found different (mtime, size, inode) by a scan. A change that
//     leaves the bytes as they were may still be reported.
//   - kRemoved: a file this watcher knew (reported, or found by its first
//     scan) no longer exists: deleted, renamed away, moved out of the tree,
//     or its directory was. A file created and deleted between two batches
//     is not reported at all.
// An editor's atomic save -- write a temporary file and rename it over the
// target, or vim's "rename the original to `file~`, write the new file,
// delete the backup" -- yields one kChanged for the target and no kRemoved:
// a known file found missing is reported removed only once it has stayed
// missing for `removal_grace` after its last event.
//
// Directories created or moved into the tree later are watched, and scanned
// right after the watch is added (files made in them before that are
// reported as changed). A directory moved out of the tree or deleted
// reports every known file under it as removed; one renamed within the tree
// reports its old paths removed and its new paths changed. When the root
// itself is deleted or moved, every known file is reported removed, with a
// warning, and nothing more is reported.
//
// When inotify runs out of watches (fs.inotify.max_user_watches, ENOSPC, or
// the `max_watches` option) or of instances (fs.inotify.max_user_instances),
// the directories it could not watch (with everything under them) are
// rescanned every `rescan_interval` instead, comparing (mtime, size, inode),
// and a batch carries a warning saying so. They stay polled until they leave
// the tree (no retry when watches become free again). When the kernel's
// event queue overflows, the whole tree is rescanned, the differences are
// reported, and a batch carries a warning.
#ifndef AIM_ACTORS_WATCHER_H_
#define AIM_ACTORS_WATCHER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aim::host {

class WatchTree;

struct WatchOptions {
  // The directory to watch (made absolute and canonical by Start).
  std::string root;
  // The first batch reports every existing file as changed. When false the
  // existing files are still learnt (so that their removal is reported) but
  // not reported.
  bool initial_scan = true;
  // A batch is made `debounce` after the last event of a burst, or
  // `max_delay` after its first event when events keep coming.
  std::chrono::milliseconds debounce{5};
  std::chrono::milliseconds max_delay{50};
  // How long a known file must stay missing before it is reported removed
  // (covers the gap inside editors' atomic saves).
  std::chrono::milliseconds removal_grace{50};
  // How often directories that could not be watched are rescanned.
  std::chrono::milliseconds rescan_interval{2000};
  // Directory names never entered, at any depth (hidden ones never are).
  std::vector<std::string> skip_dirs = {"target"};
  // Absolute directories never entered (the database, if inside the tree).
  std::vector<std::string> skip_abs;
  // Simulates fs.inotify.max_user_watches for tests: at most this many
  // directories are watched at once (0: none, everything is polled).
  std::optional<std::size_t> max_watches;
  // false: no inotify at all, the whole tree is polled, as when inotify
  // cannot be started (also for file systems whose remote changes inotify
  // does not see, such as NFS).
  bool use_inotify = true;
};

enum class ChangeKind : std::uint8_t { kChanged, kRemoved };

struct FileChange {
  std::string path;  // relative to the root, '/'-separated
  ChangeKind kind = ChangeKind::kChanged;

  friend bool operator==(const FileChange&, const FileChange&) = default;
};

struct WatchBatch {
  std::vector<FileChange> changes;    // sorted by path, one entry per path
  std::vector<std::string> warnings;  // human-readable, for the log

  bool empty() const { return changes.empty() && warnings.empty(); }
};

// Thread-safety: Next() is called by one thread at a time (the owner);
// Stop() may be called from any thread at any time while the Watcher lives.
// The Watcher must not be destroyed while a Next() call is running. All the
// work (reading events, scanning, stat calls) happens inside Next() (and the
// first scan inside Start()); between calls, events wait in the kernel's
// queue, and if that overflows the next call rescans the tree.
class Watcher {
 public:
  // Opens inotify, watches the tree and scans it (before returning, so a
  // change made after Start returns is never missed). Errors:
  // NotFoundError (root missing), InvalidArgumentError (root not a
  // directory, or a bad option), InternalError (inotify or eventfd could
  // not be created for a reason other than a limit).
  static absl::StatusOr<std::unique_ptr<Watcher>> Start(WatchOptions options);

  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Waits up to `timeout` for the next non-empty batch. Returns nullopt on
  // timeout (events seen so far stay pending for the next call) and, at
  // once, after Stop() (pending changes are dropped). With a zero timeout it
  // does not wait but still reads the events that are ready, so calling it
  // again and again makes progress.
  std::optional<WatchBatch> Next(std::chrono::milliseconds timeout);

  // Makes a blocked Next() return nullopt, and every later call too.
  void Stop();

  // The canonical absolute root.
  const std::string& root() const { return root_; }

 private:
  Watcher(std::string root, WatchOptions options, int inotify_fd, int stop_fd,
          const std::string& no_inotify);

  // Reads and handles the events ready on the inotify descriptor.
  void ReadEvents();

  const std::string root_;
  const WatchOptions options_;
  const int inotify_fd_;  // -1 when inotify is unavailable (all polled)
  const int stop_fd_;     // eventfd written by Stop()
  std::atomic<bool> stopped_{false};
  std::unique_ptr<WatchTree> tree_;
  std::vector<char> buffer_;  // for read(inotify_fd_)
  std::chrono::steady_clock::time_point next_poll_;
};

}  // namespace aim::host

#endif  // AIM_ACTORS_WATCHER_H_
