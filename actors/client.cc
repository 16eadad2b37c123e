// QueryDaemon and DaemonServes (include/aim/client.h).
#include "aim/client.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "actors/unix_socket.h"
#include "aim/server.h"

namespace aim {

absl::StatusOr<std::string> QueryDaemon(const std::string& socket_path,
                                        const std::string& request_line,
                                        int timeout_ms) {
  const int64_t deadline = net::NowMs() + timeout_ms;
  absl::StatusOr<net::UniqueFd> fd = net::ConnectUnix(socket_path, timeout_ms);
  if (!fd.ok()) return fd.status();
  std::string out = request_line;
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  size_t sent = 0;
  std::string in;
  size_t scanned = 0;
  std::string send_error;
  while (true) {
    const int64_t left = deadline - net::NowMs();
    if (left <= 0)
      return absl::DeadlineExceededError(absl::StrCat(
          "no reply from ", socket_path, " within ", timeout_ms, " ms"));
    pollfd p{fd->get(), static_cast<short>(sent < out.size() ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n < 0 && errno != EINTR) return net::ErrnoStatus(errno, "poll");
    if (n <= 0) continue;
    if (sent < out.size()) {
      ssize_t w = ::send(fd->get(), out.data() + sent, out.size() - sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        // The server may have replied and hung up before reading it all
        // (it turns clients away that way): read what it said.
        send_error = absl::StrCat("sending to ", socket_path, ": ", net::ErrnoText(errno));
        sent = out.size();
        continue;
      }
      sent += static_cast<size_t>(w);
      continue;
    }
    char buf[64 * 1024];
    ssize_t r = ::recv(fd->get(), buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::InternalError(
          send_error.empty()
              ? absl::StrCat("reading from ", socket_path, ": ", net::ErrnoText(errno))
              : send_error);
    }
    if (r == 0)
      return absl::InternalError(
          send_error.empty()
              ? absl::StrCat(socket_path, " closed the connection before a whole reply")
              : send_error);
    in.append(buf, static_cast<size_t>(r));
    size_t nl = in.find('\n', scanned);
    if (nl != std::string::npos) {
      in.resize(nl);
      return in;
    }
    scanned = in.size();
  }
}

bool DaemonServes(const std::string& db_dir) {
  return net::ConnectUnix(DaemonSocketPath(db_dir), /*timeout_ms=*/1000).ok();
}

}  // namespace aim
