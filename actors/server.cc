// QueryServer (include/aim/server.h): one poll() I/O thread, a pool of
// worker threads that answer lines with AnswerRequestLine.
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "actors/unix_socket.h"
#include "aim/protocol.h"
#include "aim/server.h"

namespace aim {

std::string DaemonSocketPath(const std::string& db_dir) {
  return db_dir + "/aim.sock";
}

namespace {

// A connection's next line waits while this much of its output is unsent.
constexpr size_t kOutHighWater = size_t{1} << 20;
constexpr size_t kReadChunk = 64 * 1024;
// Reads per connection per turn of the loop (fairness).
constexpr int kReadsPerTurn = 4;

struct Connection {
  uint64_t id = 0;
  net::UniqueFd fd;
  std::string in;        // received, not yet taken as lines
  size_t in_off = 0;     // the first byte not yet taken
  size_t scan_off = 0;   // no '\n' in [in_off, scan_off)
  bool discarding = false;  // inside an oversized line
  bool busy = false;        // a line of ours is at a worker
  bool eof = false;         // the client will send nothing more
  bool broken = false;      // gone or failed: close it
  std::string out;
  size_t out_off = 0;

  size_t Unread() const { return in.size() - in_off; }
  size_t Unsent() const { return out.size() - out_off; }
  void DropInput() {
    in.clear();
    in_off = scan_off = 0;
  }
};

struct Job {
  uint64_t conn;
  std::string line;
};

struct Done {
  uint64_t conn;
  std::string reply;
};

}  // namespace

class QueryServer::Impl {
 public:
  Impl(const Engine& engine, std::string path, ServerOptions options)
      : engine_(engine), path_(std::move(path)), options_(options) {
    options_.workers = std::max(options_.workers, 1);
    options_.max_clients = std::max<size_t>(options_.max_clients, 1);
  }

  absl::Status Listen();
  absl::Status StartThreads();
  void Stop();

  const std::string& path() const { return path_; }
  Counters counters() const {
    return {n_connections_.load(), n_requests_.load(), n_refused_.load()};
  }

 private:
  void IoLoop();
  void WorkerLoop();
  void Wake();
  void BeginStop();
  bool Drained() const;
  void Accept();
  bool WantsRead(const Connection& c) const;
  void ReadFrom(Connection& c);
  void WriteTo(Connection& c);
  void Reply(Connection& c, std::string_view line);
  void ReplyOversized(Connection& c);
  void Pump(Connection& c);
  void Dispatch(Connection& c, std::string line);
  void TakeDone();

  const Engine& engine_;
  const std::string path_;
  ServerOptions options_;
  net::UniqueFd listen_fd_;
  net::UniqueFd wake_fd_;
  net::FileId socket_file_;  // the socket file this server made

  std::thread io_thread_;
  std::vector<std::thread> workers_;
  std::mutex stop_mu_;  // serialises Stop()
  bool stopped_ = false;
  std::atomic<bool> stop_requested_{false};

  // The I/O thread's own.
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  uint64_t next_id_ = 1;
  size_t in_flight_ = 0;  // lines at workers (their connections may be gone)
  bool stopping_ = false;
  int64_t stop_deadline_ms_ = 0;
  int64_t accept_paused_until_ms_ = 0;

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  bool workers_exit_ = false;

  std::mutex done_mu_;
  std::vector<Done> done_;

  std::atomic<uint64_t> n_connections_{0}, n_requests_{0}, n_refused_{0};
};

absl::Status QueryServer::Impl::Listen() {
  wake_fd_.Reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_.valid()) return net::ErrnoStatus(errno, "eventfd");
  absl::StatusOr<net::ListeningSocket> sock = net::ListenOwnerOnly(path_);
  if (!sock.ok()) return sock.status();
  socket_file_ = sock->file;
  listen_fd_ = std::move(sock->fd);
  return absl::OkStatus();
}

absl::Status QueryServer::Impl::StartThreads() {
  try {
    io_thread_ = std::thread([this] { IoLoop(); });
    for (int i = 0; i < options_.workers; ++i)
      workers_.emplace_back([this] { WorkerLoop(); });
  } catch (const std::exception& e) {
    Stop();
    return absl::InternalError(absl::StrCat("cannot start server threads: ", e.what()));
  }
  return absl::OkStatus();
}

void QueryServer::Impl::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stop_requested_.store(true);
  Wake();
  if (io_thread_.joinable()) io_thread_.join();
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    workers_exit_ = true;
    jobs_.clear();  // only left when the grace period ran out
  }
  jobs_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  // If the I/O thread never ran, the socket file is still ours to remove.
  if (!stopping_) BeginStop();
}

void QueryServer::Impl::Wake() {
  if (!wake_fd_.valid()) return;
  uint64_t one = 1;
  // EAGAIN only if the counter is about to overflow: it is awake anyway.
  if (::write(wake_fd_.get(), &one, sizeof one) < 0) return;
}

void QueryServer::Impl::BeginStop() {
  stopping_ = true;
  stop_deadline_ms_ = net::NowMs() + options_.stop_grace_ms;
  listen_fd_.Reset();
  net::RemoveIfSame(path_, socket_file_);
}

bool QueryServer::Impl::Drained() const {
  if (in_flight_ > 0) return false;
  for (const auto& [id, c] : conns_)
    if (!c->broken && c->Unsent() > 0) return false;
  return true;
}

void QueryServer::Impl::IoLoop() {
  std::vector<pollfd> fds;
  std::vector<Connection*> polled;
  while (true) {
    if (stop_requested_.load() && !stopping_) BeginStop();
    if (stopping_ && (Drained() || net::NowMs() >= stop_deadline_ms_)) break;

    const int64_t now = net::NowMs();
    const bool accepting = listen_fd_.valid() && now >= accept_paused_until_ms_;
    fds.clear();
    polled.clear();
    fds.push_back({wake_fd_.get(), POLLIN, 0});
    fds.push_back({accepting ? listen_fd_.get() : -1, POLLIN, 0});
    for (auto& [id, c] : conns_) {
      short events = 0;
      if (WantsRead(*c)) events |= POLLIN;
      if (c->Unsent() > 0) events |= POLLOUT;
      fds.push_back({c->fd.get(), events, 0});
      polled.push_back(c.get());
    }
    int timeout = -1;
    if (stopping_) timeout = static_cast<int>(std::max<int64_t>(1, stop_deadline_ms_ - now));
    if (listen_fd_.valid() && !accepting)
      timeout = static_cast<int>(std::max<int64_t>(1, accept_paused_until_ms_ - now));
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0) {
      if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (fds[0].revents != 0) {
      uint64_t count;
      if (::read(wake_fd_.get(), &count, sizeof count) < 0) {
        // EAGAIN: someone else's wake-up was already read.
      }
    }
    TakeDone();
    if (fds[1].revents != 0) Accept();
    for (size_t i = 0; i < polled.size(); ++i) {
      Connection& c = *polled[i];
      const short revents = fds[i + 2].revents;
      if (revents & POLLIN) ReadFrom(c);
      // Hung up (closed by the peer, who can no longer read a reply) or
      // failed: a reply has nowhere to go.
      if (revents & (POLLHUP | POLLERR | POLLNVAL)) c.broken = true;
      if (revents & POLLOUT) WriteTo(c);
      Pump(c);
    }
    for (auto it = conns_.begin(); it != conns_.end();) {
      const Connection& c = *it->second;
      if (c.broken || (c.eof && !c.busy && c.Unread() == 0 && c.Unsent() == 0)) {
        it = conns_.erase(it);  // closes it; a reply in flight is dropped
        accept_paused_until_ms_ = 0;
      } else {
        ++it;
      }
    }
  }
  conns_.clear();
}

void QueryServer::Impl::Accept() {
  while (true) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors: stop accepting for a while rather than spin
      // (a closing connection resumes it).
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        accept_paused_until_ms_ = net::NowMs() + 100;
      return;
    }
    n_connections_.fetch_add(1);
    if (conns_.size() >= options_.max_clients) {
      n_refused_.fetch_add(1);
      std::string line = EncodeErrorReply(
          "null", absl::ResourceExhaustedError(absl::StrCat(
                      "too many clients (", options_.max_clients, "); try again later")));
      line.push_back('\n');
      // Best effort: a fresh socket's buffer takes a short line.
      if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      }
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->id = next_id_++;
    c->fd.Reset(fd);
    conns_.emplace(c->id, std::move(c));
  }
}

bool QueryServer::Impl::WantsRead(const Connection& c) const {
  return !c.broken && !c.eof && !stopping_ && c.Unsent() < kOutHighWater &&
         c.Unread() <= options_.max_line_bytes;
}

void QueryServer::Impl::ReadFrom(Connection& c) {
  for (int i = 0; i < kReadsPerTurn && WantsRead(c); ++i) {
    const size_t old = c.in.size();
    c.in.resize(old + kReadChunk);
    ssize_t r = ::recv(c.fd.get(), c.in.data() + old, kReadChunk, MSG_DONTWAIT);
    c.in.resize(old + static_cast<size_t>(std::max<ssize_t>(r, 0)));
    if (r > 0) continue;
    if (r == 0) {
      c.eof = true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno != EAGAIN) {
      c.broken = true;
    }
    return;
  }
}

void QueryServer::Impl::WriteTo(Connection& c) {
  while (c.Unsent() > 0) {
    ssize_t w = ::send(c.fd.get(), c.out.data() + c.out_off, c.Unsent(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      c.out_off += static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && errno == EAGAIN) {
      return;
    } else {
      c.broken = true;  // EPIPE, ECONNRESET: the client is gone
      return;
    }
  }
  c.out.clear();
  c.out_off = 0;
}

void QueryServer::Impl::Reply(Connection& c, std::string_view line) {
  c.out.append(line);
  c.out.push_back('\n');
  WriteTo(c);
}

void QueryServer::Impl::ReplyOversized(Connection& c) {
  n_requests_.fetch_add(1);
  Reply(c, EncodeErrorReply(
               "null", absl::ResourceExhaustedError(absl::StrCat(
                           "request line longer than ", options_.max_line_bytes,
                           " bytes; it was discarded"))));
}

// Takes the connection's next line, if it may: answers an oversized one
// itself, hands any other to a worker.
void QueryServer::Impl::Pump(Connection& c) {
  while (!c.broken && !c.busy && !stopping_ && c.Unsent() < kOutHighWater) {
    size_t nl = c.in.find('\n', c.scan_off);
    if (nl != std::string::npos) {
      const size_t start = c.in_off;
      c.in_off = c.scan_off = nl + 1;
      if (c.discarding) {
        c.discarding = false;  // the end of an oversized line
        continue;
      }
      if (nl - start > options_.max_line_bytes) {
        ReplyOversized(c);
        continue;
      }
      Dispatch(c, c.in.substr(start, nl - start));
      return;
    }
    c.scan_off = c.in.size();
    if (c.discarding) {
      c.DropInput();
    } else if (c.Unread() > options_.max_line_bytes) {
      ReplyOversized(c);
      c.discarding = true;
      c.DropInput();
    } else if (c.eof && c.Unread() > 0) {
      // The last line may lack its newline.
      std::string last = c.in.substr(c.in_off);
      c.DropInput();
      Dispatch(c, std::move(last));
    } else if (c.in_off > 0) {
      c.in.erase(0, c.in_off);
      c.scan_off -= c.in_off;
      c.in_off = 0;
    }
    return;
  }
}

void QueryServer::Impl::Dispatch(Connection& c, std::string line) {
  c.busy = true;
  ++in_flight_;
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    jobs_.push_back({c.id, std::move(line)});
  }
  jobs_cv_.notify_one();
}

void QueryServer::Impl::TakeDone() {
  std::vector<Done> done;
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    done.swap(done_);
  }
  for (Done& d : done) {
    --in_flight_;
    n_requests_.fetch_add(1);
    auto it = conns_.find(d.conn);
    if (it == conns_.end()) continue;  // the client left
    Connection& c = *it->second;
    c.busy = false;
    if (!c.broken) Reply(c, d.reply);
    Pump(c);
  }
}

void QueryServer::Impl::WorkerLoop() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(jobs_mu_);
      jobs_cv_.wait(lock, [this] { return workers_exit_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Done done{job.conn, {}};
    try {
      done.reply = AnswerRequestLine(engine_, job.line);
    } catch (...) {  // only bad_alloc gets here: AnswerRequestLine catches
      done.reply = R"({"id":null,"error":"out of memory","code":"resource_exhausted"})";
    }
    {
      std::lock_guard<std::mutex> lock(done_mu_);
      done_.push_back(std::move(done));
    }
    Wake();
  }
}

QueryServer::QueryServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

QueryServer::~QueryServer() { Stop(); }

absl::StatusOr<std::unique_ptr<QueryServer>> QueryServer::Start(
    Engine& engine, const std::string& socket_path, ServerOptions options) {
  auto impl = std::make_unique<Impl>(engine, socket_path, options);
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  if (absl::Status s = impl->StartThreads(); !s.ok()) return s;
  return absl::WrapUnique(new QueryServer(std::move(impl)));
}

void QueryServer::Stop() { impl_->Stop(); }

const std::string& QueryServer::socket_path() const { return impl_->path(); }

QueryServer::Counters QueryServer::counters() const { return impl_->counters(); }

}  // namespace aim
