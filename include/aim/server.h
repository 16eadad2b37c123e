// The daemon's side of the query protocol (aim/protocol.h): a server on a
// Unix socket that answers queries from an Engine, and the lock that keeps
// one daemon per database.
//
//   auto lock = aim::DaemonLock::Acquire(db_dir);       // refuses a 2nd daemon
//   auto server = aim::QueryServer::Start(*engine, aim::DaemonSocketPath(db_dir));
//   ...
//   (*server)->Stop();                                   // or destroy it
//
// The server uses only the public Engine interface (Query, Stats), so it
// serves any Engine.
#ifndef AIM_SERVER_H_
#define AIM_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "aim/engine.h"
#include "aim/protocol.h"

namespace aim {

// Where the daemon of the database `db_dir` listens: <db_dir>/aim.sock.
std::string DaemonSocketPath(const std::string& db_dir);

struct ServerOptions {
  // Threads that answer requests (they call Engine::Query and Stats).
  int workers = 4;
  // Connections served at once; one more gets an error reply
  // (resource_exhausted) and is closed.
  size_t max_clients = 256;
  // Longest request line; a longer one gets an error reply
  // (resource_exhausted) and the rest of it is discarded.
  size_t max_line_bytes = kMaxRequestLine;
  // How long Stop() lets replies to requests in flight drain to clients
  // that read slowly (or not at all) before it closes them anyway.
  int stop_grace_ms = 5000;
};

// Serves the protocol of aim/protocol.h on a Unix stream socket.
//
// Design: one I/O thread runs a poll() loop over the listening socket and
// every connection (non-blocking, buffered both ways); a pool of
// `workers` threads answers the lines it hands them. A connection has at
// most one request at a worker at a time, so its replies come in order;
// its next line is taken once that reply is queued and its unsent output
// is under 1 MiB (a client that does not read stops being read from). A
// slow, stalled or vanished client therefore holds neither a thread nor
// anybody else's replies; a client that disconnects with a request in
// flight has its reply dropped.
//
// Thread-safety: Stop() and the destructor may be called from any thread
// but the server's own.
class QueryServer {
 public:
  // Listens on `socket_path` and starts serving `engine`, which must
  // outlive the server. The socket file gets mode 0600 before it accepts
  // anything (it is bound under a temporary name, chmod'ed, and renamed
  // into place), so only its owner can connect; a stale socket file (no
  // one listening) is replaced. Errors: AlreadyExists when a server
  // listens there; FailedPrecondition when the path is something other
  // than a socket; InvalidArgument when the path, or the temporary name
  // beside it (".aim.<pid>.<n>" in the same directory), is over 107
  // bytes; an errno's status for the socket calls. Start does not
  // arbitrate between two servers starting at once on one path:
  // DaemonLock does.
  static absl::StatusOr<std::unique_ptr<QueryServer>> Start(
      Engine& engine, const std::string& socket_path,
      ServerOptions options = {});

  // Stops accepting (closes the listening socket and removes the socket
  // file, unless another server has since replaced it), answers the
  // requests already at a worker and sends their replies (for up to
  // stop_grace_ms), closes every connection and joins the threads. Lines
  // not yet handed to a worker are not answered. Idempotent.
  void Stop();
  ~QueryServer();

  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  const std::string& socket_path() const;

  // Totals since Start (for tests and logs).
  struct Counters {
    uint64_t connections = 0;  // accepted (including refused ones)
    uint64_t requests = 0;     // lines answered, errors included
    uint64_t refused = 0;      // connections over max_clients
  };
  Counters counters() const;

  class Impl;

 private:
  explicit QueryServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One daemon per database: an exclusive flock(2) on <db_dir>/daemon.pid,
// which then holds the owner's pid. The kernel releases the lock when its
// process dies, however it dies, so a lock left by a killed daemon is
// simply taken over. The lock belongs to the open file: a second Acquire
// in the same process is refused too.
class DaemonLock {
 public:
  // Creates db_dir (and parents) if missing, locks the file and writes
  // this process's pid into it. Unavailable, naming the pid in the file,
  // when another daemon holds it; an errno's status otherwise.
  static absl::StatusOr<std::unique_ptr<DaemonLock>> Acquire(
      const std::string& db_dir);

  // Empties the file and releases the lock.
  ~DaemonLock();

  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;

  const std::string& path() const { return path_; }
  // The pid the file named when it was taken (a daemon that died without
  // releasing it), or 0.
  long previous_pid() const { return previous_pid_; }

 private:
  DaemonLock(int fd, std::string path, long previous_pid)
      : fd_(fd), path_(std::move(path)), previous_pid_(previous_pid) {}
  int fd_;
  std::string path_;
  long previous_pid_;
};

}  // namespace aim

#endif  // AIM_SERVER_H_
