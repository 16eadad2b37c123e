// Small POSIX helpers for the daemon's Unix socket (server, client, lock).
#ifndef AIM_ACTORS_UNIX_SOCKET_H_
#define AIM_ACTORS_UNIX_SOCKET_H_

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aim::net {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1);
  // Gives up ownership; returns the descriptor.
  [[nodiscard]] int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// strerror(err), thread-safely.
std::string ErrnoText(int err);
// "<what>: <strerror(err)>" with the errno mapped to an absl::StatusCode
// (ENOENT: NotFound, EACCES: PermissionDenied, ...).
absl::Status ErrnoStatus(int err, const std::string& what);

// The address of `path`. InvalidArgument when it does not fit sun_path
// (107 bytes).
absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path);

// A connected, non-blocking, close-on-exec stream socket to `path`.
// Unavailable when nothing listens there (no file, a stale socket file,
// a full backlog until `timeout_ms` passes, no permission) — the one code
// that means "no server to talk to".
absl::StatusOr<UniqueFd> ConnectUnix(const std::string& path, int timeout_ms);

// Which file a path named (to tell whether it still does).
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
};

struct ListeningSocket {
  UniqueFd fd;   // listening, non-blocking, close-on-exec
  FileId file;   // the socket file
};

// Listens on the Unix socket `path`, mode 0600 (aim/server.h
// QueryServer::Start states the contract and the errors): bound under a
// temporary name in the same directory, chmod'ed and listened on before
// it is renamed into place, so nobody can connect before the mode is set,
// no process-wide umask is touched, and a stale socket file is replaced
// atomically. A live socket (someone accepts) or a file that is not a
// socket is left alone.
absl::StatusOr<ListeningSocket> ListenOwnerOnly(const std::string& path);

// Removes `path` if it still names `file`.
void RemoveIfSame(const std::string& path, const FileId& file);

// Milliseconds on a monotonic clock.
int64_t NowMs();

}  // namespace aim::net

#endif  // AIM_ACTORS_UNIX_SOCKET_H_
