// DaemonLock (include/aim/server.h): flock(2) on <db>/daemon.pid.
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/memory/memory.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "actors/unix_socket.h"
#include "aim/server.h"

namespace aim {
namespace {

// The pid written in the file, or 0 (empty, garbage, unreadable).
long ReadPid(int fd) {
  char buf[32];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  absl::string_view text(buf, static_cast<size_t>(n));
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) || pid < 0) return 0;
  return pid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonLock>> DaemonLock::Acquire(
    const std::string& db_dir) {
  std::error_code ec;
  std::filesystem::create_directories(db_dir, ec);
  if (ec)
    return absl::ErrnoToStatus(ec.value(), absl::StrCat("cannot create ", db_dir));
  std::string path = db_dir + "/daemon.pid";
  net::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return net::ErrnoStatus(errno, absl::StrCat("cannot open ", path));
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return net::ErrnoStatus(errno, absl::StrCat("cannot lock ", path));
    long holder = ReadPid(fd.get());
    return absl::UnavailableError(absl::StrCat(
        "another aim daemon ",
        holder ? absl::StrCat("(pid ", holder, ")") : std::string("(pid not yet written)"),
        " serves ", db_dir, "; it holds ", path));
  }
  long previous = ReadPid(fd.get());
  std::string pid = absl::StrCat(static_cast<long>(::getpid()), "\n");
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return net::ErrnoStatus(errno, absl::StrCat("cannot write ", path));
  return absl::WrapUnique(new DaemonLock(fd.Release(), std::move(path), previous));
}

DaemonLock::~DaemonLock() {
  // Emptied, not removed: removing it would let a second daemon lock a
  // new file while a third still waits on the old one. An empty file
  // names nobody.
  if (::ftruncate(fd_, 0) != 0) {
    // Nothing to do: the lock is released below all the same.
  }
  ::close(fd_);  // releases the flock
}

}  // namespace aim
