#include "actors/watcher.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actors/watch_tree.h"

namespace aim::host {
namespace {

using Clock = std::chrono::steady_clock;

// Room for many events per read(); the kernel needs at least one event with
// the longest name.
constexpr std::size_t kReadBufferSize = 64 * 1024;
static_assert(kReadBufferSize >= sizeof(inotify_event) + NAME_MAX + 1);

std::string ErrorText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// The canonical form of `path`, or its lexically normal absolute form when it
// does not exist (yet).
std::string Canonical(const std::string& path) {
  std::unique_ptr<char, decltype(&free)> real(realpath(path.c_str(), nullptr),
                                              &free);
  if (real) return real.get();
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  std::string normal = abs.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

// One inotify event, applied to the tree.
void HandleEvent(WatchTree& tree, int wd, std::uint32_t mask,
                 const std::string& name, Clock::time_point now) {
  if (mask & IN_Q_OVERFLOW) {
    tree.Warn(
        "the inotify event queue overflowed (fs.inotify.max_queued_events): "
        "rescanned the whole tree",
        now);
    tree.FullRescan(now);
    return;
  }
  if (mask & IN_IGNORED) {
    tree.ForgetWatch(wd);
    return;
  }
  const std::string* dir_of_watch = tree.DirOfWatch(wd);
  if (dir_of_watch == nullptr) return;    // its directory was dropped since
  const std::string dir = *dir_of_watch;  // the calls below change the map
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
    // Other directories' deletions and moves arrive on their parent's watch.
    if (dir.empty()) {
      tree.Warn(
          "the watched root was deleted, moved or unmounted: nothing more "
          "will be reported",
          now);
      tree.RemoveTree("", now);
    } else if (mask & IN_UNMOUNT) {
      tree.RemoveTree(dir, now);
    }
    return;
  }
  if (name.empty()) return;
  const std::string path = JoinPath(dir, name);
  if (mask & IN_ISDIR) {
    // A move within the tree is a removal here and an addition there: the
    // new place gets new watches and a scan.
    if (mask & (IN_DELETE | IN_MOVED_FROM)) tree.RemoveTree(path, now);
    if ((mask & (IN_CREATE | IN_MOVED_TO)) && !tree.IsSkippedDir(dir, name)) {
      tree.AddTree(path, now);
    }
    return;
  }
  if (IsWatchedFileName(name)) tree.Touch(path, now);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Watcher>> Watcher::Start(WatchOptions options) {
  using std::chrono::milliseconds;
  if (options.root.empty()) {
    return absl::InvalidArgumentError("watcher: no root directory given");
  }
  if (options.debounce < milliseconds(0) ||
      options.max_delay < milliseconds(0) ||
      options.removal_grace < milliseconds(0) ||
      options.rescan_interval <= milliseconds(0)) {
    return absl::InvalidArgumentError(
        "watcher: negative debounce, max_delay or removal_grace, or a "
        "rescan_interval that is not positive");
  }
  std::unique_ptr<char, decltype(&free)> real(
      realpath(options.root.c_str(), nullptr), &free);
  if (!real) {
    const int err = errno;
    std::string message = absl::StrCat(options.root, ": ", ErrorText(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    return absl::InvalidArgumentError(message);
  }
  std::string root = real.get();
  struct stat st;
  if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.root, ": not a directory"));
  }
  for (std::string& skip : options.skip_abs) skip = Canonical(skip);

  const int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    return absl::InternalError(
        absl::StrCat("watcher: eventfd: ", ErrorText(errno)));
  }
  int inotify_fd = -1;
  std::string no_inotify = "inotify is off (use_inotify = false)";
  if (options.use_inotify) {
    inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    // EMFILE is a limit (instances per user, or descriptors per process):
    // then everything is polled.
    if (inotify_fd < 0 && errno != EMFILE) {
      const int err = errno;
      close(stop_fd);
      return absl::InternalError(
          absl::StrCat("watcher: inotify_init1: ", ErrorText(err)));
    }
    no_inotify =
        "inotify could not be started (fs.inotify.max_user_instances or the "
        "open-file limit is reached)";
  }
  // The constructor is private: make_unique cannot reach it.
  auto watcher = absl::WrapUnique(new Watcher(
      std::move(root), std::move(options), inotify_fd, stop_fd, no_inotify));
  const Clock::time_point now = Clock::now();
  watcher->tree_->AddTree("", now, watcher->options_.initial_scan);
  watcher->next_poll_ = now + watcher->options_.rescan_interval;
  return watcher;
}

Watcher::Watcher(std::string root, WatchOptions options, int inotify_fd,
                 int stop_fd, const std::string& no_inotify)
    : root_(std::move(root)),
      options_(std::move(options)),
      inotify_fd_(inotify_fd),
      stop_fd_(stop_fd),
      tree_(std::make_unique<WatchTree>(root_, options_, inotify_fd_,
                                        no_inotify)),
      buffer_(kReadBufferSize) {}

Watcher::~Watcher() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
  close(stop_fd_);
}

void Watcher::Stop() {
  stopped_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  // Can only fail if the counter is saturated, and then poll() wakes anyway.
  const ssize_t written = write(stop_fd_, &one, sizeof(one));
  static_cast<void>(written);
}

std::optional<WatchBatch> Watcher::Next(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  bool polled = false;  // even Next(0ms) reads what is ready
  while (!stopped_.load(std::memory_order_acquire)) {
    const Clock::time_point now = Clock::now();
    if (tree_->HasPolledDirs() && now >= next_poll_) {
      tree_->PollRescan(now);
      next_poll_ = now + options_.rescan_interval;
    }
    const std::optional<Clock::time_point> flush_at = tree_->FlushDeadline();
    if (flush_at && now >= *flush_at) {
      WatchBatch batch = tree_->Flush(now);
      if (!batch.empty()) return batch;
      continue;  // nothing to say (yet): the deadline has moved on
    }
    if (now >= deadline && polled) return std::nullopt;

    Clock::time_point wake = deadline;
    if (flush_at) wake = std::min(wake, *flush_at);
    if (tree_->HasPolledDirs()) wake = std::min(wake, next_poll_);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    const int wait_ms = static_cast<int>(std::clamp<std::int64_t>(
        wait.count(), 0, std::numeric_limits<int>::max()));
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const nfds_t count = inotify_fd_ >= 0 ? 2 : 1;
    const int ready = poll(fds, count, wait_ms);
    polled = true;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;  // cannot happen with valid descriptors
    }
    if (count == 2 && (fds[1].revents & POLLIN)) ReadEvents();
  }
  return std::nullopt;
}

void Watcher::ReadEvents() {
  const ssize_t got = read(inotify_fd_, buffer_.data(), buffer_.size());
  if (got <= 0) return;  // EAGAIN or EINTR: poll again
  const auto size = static_cast<std::size_t>(got);
  const Clock::time_point now = Clock::now();
  std::size_t offset = 0;
  while (offset + sizeof(inotify_event) <= size) {
    inotify_event event;  // copied out: the buffer is only char-aligned
    std::memcpy(&event, buffer_.data() + offset, sizeof(event));
    const char* name = buffer_.data() + offset + sizeof(inotify_event);
    const std::size_t name_room =
        std::min<std::size_t>(event.len, size - offset - sizeof(event));
    offset += sizeof(inotify_event) + event.len;
    HandleEvent(*tree_, event.wd, event.mask,
                std::string(name, strnlen(name, name_room)), now);
  }
}

}  // namespace aim::host
