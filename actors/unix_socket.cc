#include "actors/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace aim::net {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string ErrnoText(int err) {
  char buf[256];
  // The GNU strerror_r returns the message (maybe not in buf).
  return ::strerror_r(err, buf, sizeof buf);
}

absl::Status ErrnoStatus(int err, const std::string& what) {
  return absl::ErrnoToStatus(err, what);
}

absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return absl::InvalidArgumentError(absl::StrCat(
        "socket path ", path, " is ", path.size(), " bytes; a Unix socket path has 1 to ",
        sizeof addr.sun_path - 1));
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

absl::StatusOr<UniqueFd> ConnectUnix(const std::string& path, int timeout_ms) {
  absl::StatusOr<sockaddr_un> addr = UnixAddress(path);
  if (!addr.ok()) return absl::UnavailableError(addr.status().message());
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return ErrnoStatus(errno, "socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr),
                  sizeof *addr) == 0)
      return fd;
    int err = errno;
    // A Unix socket connects at once or not at all; EAGAIN means the
    // listener's backlog is full: try again until the deadline.
    if ((err == EAGAIN || err == EINTR) && NowMs() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", path, ": ", ErrnoText(err)));
  }
}

absl::StatusOr<ListeningSocket> ListenOwnerOnly(const std::string& path) {
  absl::StatusOr<sockaddr_un> addr = UnixAddress(path);
  if (!addr.ok()) return addr.status();
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return absl::FailedPreconditionError(
          absl::StrCat(path, " exists and is not a socket; not replacing it"));
    // A socket file: a live server's, or a stale one left by a dead server.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!probe.valid()) return ErrnoStatus(errno, "socket");
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0 ||
        errno == EAGAIN)  // EAGAIN: a full backlog, so someone listens
      return absl::AlreadyExistsError(absl::StrCat("a server already listens on ", path));
    if (errno != ECONNREFUSED)
      return ErrnoStatus(errno, absl::StrCat("cannot probe ", path));
  } else if (errno != ENOENT) {
    return ErrnoStatus(errno, absl::StrCat("cannot stat ", path));
  }

  // chmod before listen: until then a connect is refused, whatever the mode.
  static std::atomic<int> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  std::string tmp = absl::StrCat(dir, "/.aim.", ::getpid(), ".", counter++);
  absl::StatusOr<sockaddr_un> tmp_addr = UnixAddress(tmp);
  if (!tmp_addr.ok()) return tmp_addr.status();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return ErrnoStatus(errno, "socket");
  ::unlink(tmp.c_str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*tmp_addr), sizeof *tmp_addr) != 0)
    return ErrnoStatus(errno, absl::StrCat("cannot bind ", tmp, " (to become ", path, ")"));
  absl::Status s;
  if (::chmod(tmp.c_str(), 0600) != 0) {
    s = ErrnoStatus(errno, absl::StrCat("cannot chmod ", tmp));
  } else if (::listen(fd.get(), SOMAXCONN) != 0) {
    s = ErrnoStatus(errno, absl::StrCat("cannot listen on ", tmp));
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus(errno, absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::lstat(path.c_str(), &st) != 0)
    return ErrnoStatus(errno, absl::StrCat("cannot stat ", path));
  if (!S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != 0600) {
    ::unlink(path.c_str());
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return absl::InternalError(absl::StrCat(path, " has mode ", mode, ", not 0600"));
  }
  ListeningSocket out;
  out.fd = std::move(fd);
  out.file = {st.st_dev, st.st_ino};
  return out;
}

void RemoveIfSame(const std::string& path, const FileId& file) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == file.dev && st.st_ino == file.ino)
    ::unlink(path.c_str());
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace aim::net
