#include "actors/watch_tree.h"

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aim::host {
namespace {

// IN_EXCL_UNLINK: no events for files already unlinked but still open.
// IN_DONT_FOLLOW: a symbolic link to a directory is not entered.
constexpr std::uint32_t kWatchMask =
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
    IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW |
    IN_EXCL_UNLINK;

// How many polled directories a warning names.
constexpr std::size_t kNamedInWarning = 5;

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

const std::string& KeyOf(const std::string& key) { return key; }
template <typename V>
const std::string& KeyOf(const std::pair<const std::string, V>& entry) {
  return entry.first;
}

// The keys of a sorted container that are `dir` or lie under it ("": all).
// "a/b" and "a/b/..." are not contiguous ("a/b c" sorts between them), so
// the directory itself and the "dir/" range are looked up separately.
template <typename Sorted>
std::vector<std::string> KeysUnder(const Sorted& sorted,
                                   const std::string& dir) {
  std::vector<std::string> keys;
  if (dir.empty()) {
    for (const auto& entry : sorted) keys.push_back(KeyOf(entry));
    return keys;
  }
  if (sorted.count(dir) > 0) keys.push_back(dir);
  const std::string prefix = dir + "/";
  for (auto it = sorted.lower_bound(prefix);
       it != sorted.end() && KeyOf(*it).compare(0, prefix.size(), prefix) == 0;
       ++it) {
    keys.push_back(KeyOf(*it));
  }
  return keys;
}

std::string ErrorText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

}  // namespace

bool IsWatchedFileName(const std::string& name) {
  if (name == "Cargo.toml") return true;
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".rs") == 0;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : absl::StrCat(dir, "/", name);
}

WatchTree::WatchTree(std::string root, const WatchOptions& options,
                     int inotify_fd, const std::string& no_inotify)
    : root_(std::move(root)),
      options_(options),
      inotify_fd_(inotify_fd),
      limit_reason_(inotify_fd < 0 ? no_inotify : ""),
      skip_abs_(options.skip_abs.begin(), options.skip_abs.end()) {}

std::string WatchTree::Abs(const std::string& rel) const {
  if (rel.empty()) return root_;
  if (root_.back() == '/') return root_ + rel;
  return absl::StrCat(root_, "/", rel);
}

std::optional<WatchTree::Stamp> WatchTree::StatFile(const std::string& abs) {
  struct stat st;
  if (stat(abs.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  Stamp stamp;
  stamp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                   st.st_mtim.tv_nsec;
  stamp.size = st.st_size;
  stamp.inode = st.st_ino;
  return stamp;
}

void WatchTree::NoteBurst(Clock::time_point now) {
  if (!burst_start_) burst_start_ = now;
  burst_last_ = now;
}

void WatchTree::MarkPending(const std::string& path, bool from_event,
                            Clock::time_point now) {
  auto [it, inserted] = pending_.try_emplace(path);
  Pending& pending = it->second;
  // Rescans mark the same paths again and again: only a first mark or an
  // event restarts the removal grace, so a removal found by polling is
  // reported in the end.
  if (inserted || from_event) pending.last = now;
  pending.from_event = pending.from_event || from_event;
  NoteBurst(now);
}

void WatchTree::Touch(const std::string& path, Clock::time_point now) {
  MarkPending(path, /*from_event=*/true, now);
}

void WatchTree::Warn(std::string warning, Clock::time_point now) {
  warnings_.push_back(std::move(warning));
  NoteBurst(now);
}

const std::string* WatchTree::DirOfWatch(int wd) const {
  auto it = wd_dirs_.find(wd);
  return it == wd_dirs_.end() ? nullptr : &it->second;
}

// The kernel hands out watch numbers cyclically, so an IN_IGNORED for a
// watch removed by RemoveTree cannot name a newer watch.
void WatchTree::ForgetWatch(int wd) {
  auto it = wd_dirs_.find(wd);
  if (it == wd_dirs_.end()) return;
  auto dir = dir_wds_.find(it->second);
  if (dir != dir_wds_.end() && dir->second == wd) dir_wds_.erase(dir);
  wd_dirs_.erase(it);
}

bool WatchTree::IsSkippedDir(const std::string& parent,
                             const std::string& name) const {
  if (name.empty() || name[0] == '.') return true;
  if (std::find(options_.skip_dirs.begin(), options_.skip_dirs.end(), name) !=
      options_.skip_dirs.end()) {
    return true;
  }
  return !skip_abs_.empty() && skip_abs_.count(Abs(JoinPath(parent, name))) > 0;
}

bool WatchTree::UnderPolled(const std::string& dir) const {
  if (polled_.empty()) return false;
  std::string d = dir;
  while (true) {
    if (polled_.count(d) > 0) return true;
    if (d.empty()) return false;
    std::size_t slash = d.rfind('/');
    d.resize(slash == std::string::npos ? 0 : slash);
  }
}

bool WatchTree::TryWatch(const std::string& dir, Clock::time_point now) {
  int wd = -1;
  if (inotify_fd_ >= 0) {
    // (A directory watched already would get its watch back.)
    if (options_.max_watches && wd_dirs_.size() >= *options_.max_watches &&
        dir_wds_.count(dir) == 0) {
      limit_reason_ =
          absl::StrCat("the watch limit (max_watches = ", *options_.max_watches,
                       ") is reached");
    } else {
      wd = inotify_add_watch(inotify_fd_, Abs(dir).c_str(), kWatchMask);
      if (wd < 0) {
        const int err = errno;
        // Gone (or replaced by a file) already: its parent's events say so.
        if (err == ENOENT || err == ENOTDIR) return false;
        if (err != ENOSPC) {
          Warn(absl::StrCat("cannot watch ", Abs(dir), ": ", ErrorText(err)),
               now);
          return false;
        }
        limit_reason_ =
            "the inotify watch limit is reached (raise "
            "fs.inotify.max_user_watches)";
      }
    }
  }
  if (wd < 0) {
    // Polled instead, with everything under it.
    for (const std::string& d : KeysUnder(polled_, dir)) polled_.erase(d);
    polled_.insert(dir);
    newly_polled_.push_back(dir);
    NoteBurst(now);
    return false;
  }
  auto [it, inserted] = wd_dirs_.try_emplace(wd, dir);
  if (!inserted && it->second != dir) {
    // The same directory, reached under a new name before its move was seen.
    auto old = dir_wds_.find(it->second);
    if (old != dir_wds_.end() && old->second == wd) dir_wds_.erase(old);
    it->second = dir;
  }
  auto [dir_it, dir_inserted] = dir_wds_.try_emplace(dir, wd);
  if (!dir_inserted && dir_it->second != wd) {
    // A new directory under an old name whose removal was not seen.
    auto stale = wd_dirs_.find(dir_it->second);
    if (stale != wd_dirs_.end() && stale->second == dir) wd_dirs_.erase(stale);
    dir_it->second = wd;
  }
  return true;
}

void WatchTree::ScanDir(const std::string& dir, bool report,
                        Clock::time_point now, std::vector<std::string>& todo,
                        std::unordered_set<std::string>* seen) {
  std::unique_ptr<DIR, DirCloser> handle(opendir(Abs(dir).c_str()));
  if (!handle) return;  // gone since, or unreadable
  while (const dirent* entry = readdir(handle.get())) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = JoinPath(dir, name);
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (lstat(Abs(path).c_str(), &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
    }
    if (type == DT_DIR) {
      if (!IsSkippedDir(dir, name)) todo.push_back(path);
      continue;
    }
    if (!IsWatchedFileName(name)) continue;
    std::optional<Stamp> stamp = StatFile(Abs(path));
    if (!stamp) continue;
    if (seen != nullptr) seen->insert(path);
    if (!report) {
      known_[path] = *stamp;
      continue;
    }
    auto known = known_.find(path);
    if (known == known_.end() || !(known->second == *stamp)) {
      MarkPending(path, /*from_event=*/false, now);
    }
  }
}

void WatchTree::AddTree(const std::string& dir, Clock::time_point now,
                        bool report) {
  ScanTree(dir, now, report, nullptr);
}

void WatchTree::ScanTree(const std::string& dir, Clock::time_point now,
                         bool report, std::unordered_set<std::string>* seen) {
  // Each directory is watched before it is listed, so a file made in it is
  // either seen by the listing or reported by an event (or both).
  std::vector<std::string> todo = {dir};
  while (!todo.empty()) {
    std::string next = std::move(todo.back());
    todo.pop_back();
    if (!UnderPolled(next)) TryWatch(next, now);
    ScanDir(next, report, now, todo, seen);
  }
}

void WatchTree::RescanTree(const std::string& dir, Clock::time_point now) {
  std::unordered_set<std::string> seen;
  ScanTree(dir, now, /*report=*/true, &seen);
  for (const std::string& path : KeysUnder(known_, dir)) {
    if (seen.count(path) == 0) MarkPending(path, /*from_event=*/false, now);
  }
}

void WatchTree::MarkKnownUnder(const std::string& dir, bool from_event,
                               Clock::time_point now) {
  for (const std::string& path : KeysUnder(known_, dir)) {
    MarkPending(path, from_event, now);
  }
}

void WatchTree::RemoveTree(const std::string& dir, Clock::time_point now) {
  for (const std::string& d : KeysUnder(dir_wds_, dir)) {
    auto it = dir_wds_.find(d);
    const int wd = it->second;
    // Fails harmlessly when the kernel dropped the watch already (deleted).
    if (inotify_fd_ >= 0) inotify_rm_watch(inotify_fd_, wd);
    auto w = wd_dirs_.find(wd);
    if (w != wd_dirs_.end() && w->second == d) wd_dirs_.erase(w);
    dir_wds_.erase(it);
  }
  for (const std::string& d : KeysUnder(polled_, dir)) polled_.erase(d);
  MarkKnownUnder(dir, /*from_event=*/true, now);
}

void WatchTree::FullRescan(Clock::time_point now) {
  // Rebuilt from the disk: inotify_add_watch on a directory already watched
  // returns its watch, so only the watches left over are removed.
  std::unordered_map<int, std::string> old = std::move(wd_dirs_);
  wd_dirs_.clear();
  dir_wds_.clear();
  polled_.clear();
  RescanTree("", now);
  for (const auto& [wd, dir] : old) {
    if (wd_dirs_.count(wd) == 0 && inotify_fd_ >= 0) {
      inotify_rm_watch(inotify_fd_, wd);
    }
  }
}

void WatchTree::PollRescan(Clock::time_point now) {
  const std::vector<std::string> dirs(polled_.begin(), polled_.end());
  for (const std::string& dir : dirs) RescanTree(dir, now);
}

std::optional<WatchTree::Clock::time_point> WatchTree::FlushDeadline() const {
  std::optional<Clock::time_point> at;
  if (burst_start_) {
    at = std::min(burst_last_ + options_.debounce,
                  *burst_start_ + options_.max_delay);
  }
  if (retry_at_) at = at ? std::min(*at, *retry_at_) : *retry_at_;
  return at;
}

std::string WatchTree::PolledWarning() const {
  std::string names;
  for (std::size_t i = 0; i < newly_polled_.size() && i < kNamedInWarning;
       ++i) {
    absl::StrAppend(&names, i > 0 ? ", " : "",
                    newly_polled_[i].empty() ? "." : newly_polled_[i]);
  }
  if (newly_polled_.size() > kNamedInWarning) {
    absl::StrAppend(&names, " and ", newly_polled_.size() - kNamedInWarning,
                    " more");
  }
  return absl::StrCat(limit_reason_, ": polling ", newly_polled_.size(),
                      newly_polled_.size() == 1 ? " directory" : " directories",
                      " (with everything under them) every ",
                      options_.rescan_interval.count(), " ms instead: ", names);
}

WatchBatch WatchTree::Flush(Clock::time_point now) {
  WatchBatch batch;
  burst_start_.reset();
  retry_at_.reset();
  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::string& path = it->first;
    std::optional<Stamp> stamp = StatFile(Abs(path));
    auto known = known_.find(path);
    if (stamp) {
      if (it->second.from_event || known == known_.end() ||
          !(known->second == *stamp)) {
        batch.changes.push_back({path, ChangeKind::kChanged});
      }
      known_[path] = *stamp;
    } else if (known != known_.end()) {
      const Clock::time_point ready = it->second.last + options_.removal_grace;
      if (now < ready) {  // maybe an atomic save under way: look again later
        retry_at_ = retry_at_ ? std::min(*retry_at_, ready) : ready;
        ++it;
        continue;
      }
      batch.changes.push_back({path, ChangeKind::kRemoved});
      known_.erase(known);
    }
    it = pending_.erase(it);
  }
  if (!newly_polled_.empty()) {
    batch.warnings.push_back(PolledWarning());
    newly_polled_.clear();
  }
  for (std::string& warning : warnings_) {
    batch.warnings.push_back(std::move(warning));
  }
  warnings_.clear();
  return batch;
}

}  // namespace aim::host
