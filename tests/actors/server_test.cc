// The daemon's server, client and lock (include/aim/server.h, client.h)
// against a real engine holding tests/fixtures/workspace: answers equal
// the engine's own, malformed and oversized lines, many clients at once,
// stalled and vanishing clients, the socket file, stopping, the lock.
//
// No timing is asserted: timeouts only turn a hang into a failure.
#include "aim/server.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aim/client.h"
#include "aim/protocol.h"
#include "tests/actors/engine_fixture.h"

namespace {

namespace fs = std::filesystem;
using aim::test_support::GatedEngine;
using aim::test_support::OpenIngestedEngine;
using aim::test_support::SampleQueries;

constexpr int kTimeoutMs = 30000;  // only against hangs

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A raw client: bytes in, lines out.
class TestClient {
 public:
  explicit TestClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    connected_ = fd_ >= 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }

  // Blocks until every byte is sent (false if the server is gone).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Sends what the socket takes without blocking; returns how much.
  size_t SendSome(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    return sent;
  }

  // The next line (without newline); nullopt on EOF, error or timeout.
  std::optional<std::string> ReadLine(int timeout_ms = kTimeoutMs) {
    const int64_t deadline = NowMs() + timeout_ms;
    while (true) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }

  // Whether the server closes the connection (after any pending lines).
  bool ClosedByServer(int timeout_ms = kTimeoutMs) {
    const int64_t deadline = NowMs() + timeout_ms;
    while (Fill(deadline)) {
    }
    return eof_;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool Fill(int64_t deadline) {
    pollfd p{fd_, POLLIN, 0};
    int64_t left = deadline - NowMs();
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) eof_ = true;
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

// The reply with its timing zeroed (the only field that differs between
// two answers to one query).
std::string Normalize(const std::string& reply) {
  auto j = nlohmann::ordered_json::parse(reply, nullptr, false);
  if (j.is_discarded()) return "not JSON: " + reply;
  if (j.is_object() && j.contains("elapsed_us")) j["elapsed_us"] = 0;
  return j.dump();
}

std::string Field(const std::string& reply, const char* key) {
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains(key)) return "<none>";
  return j[key].dump();
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = OpenIngestedEngine().release();
    if (engine_ == nullptr) return;
    for (const aim::QueryRequest& q : SampleQueries()) {
      aim::ProtocolRequest r;
      r.id = std::to_string(requests_.size());
      r.query = q;
      auto result = engine_->Query(q);
      expected_.push_back(Normalize(result.ok() ? aim::EncodeQueryReply(r.id, *result)
                                                : aim::EncodeErrorReply(r.id, result.status())));
      requests_.push_back(aim::EncodeRequest(r));
    }
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(engine_, nullptr) << "cannot ingest the workspace fixture";
    static int n = 0;
    // Short: a socket path has at most 107 bytes.
    dir_ = fs::path("/tmp") / ("aim-srv-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    socket_ = (dir_ / "aim.sock").string();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  void Start(aim::ServerOptions options = {}, aim::Engine* engine = nullptr) {
    auto s = aim::QueryServer::Start(engine ? *engine : *engine_, socket_, options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }

  std::string Ask(const std::string& line) {
    auto reply = aim::QueryDaemon(socket_, line, kTimeoutMs);
    return reply.ok() ? *reply : "failed: " + reply.status().ToString();
  }

  static aim::Engine* engine_;
  static std::vector<std::string> requests_;  // sample query i has id i
  static std::vector<std::string> expected_;  // normalized
  fs::path dir_;
  std::string socket_;
  std::unique_ptr<aim::QueryServer> server_;
};
aim::Engine* ServerTest::engine_ = nullptr;
std::vector<std::string> ServerTest::requests_;
std::vector<std::string> ServerTest::expected_;

TEST_F(ServerTest, AnswersEqualTheEnginesOwn) {
  Start();
  EXPECT_EQ(Ask(R"({"id":"p","op":"ping"})"), R"({"id":"p","pong":true})");
  std::string stats = Ask(R"({"id":1,"op":"stats"})");
  EXPECT_EQ(Field(stats, "id"), "1");
  EXPECT_EQ(Field(stats, "files"), "7");
  for (size_t i = 0; i < requests_.size(); ++i)
    EXPECT_EQ(Normalize(Ask(requests_[i])), expected_[i]) << requests_[i];
  EXPECT_GE(server_->counters().requests, requests_.size() + 2);
}

TEST_F(ServerTest, MalformedLinesGetErrorsInOrderAndTheConnectionGoesOn) {
  Start();
  TestClient c(socket_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(
      "not json\n"
      "[1]\n"
      "{\"id\":3,\"query\":\"bogus\",\"args\":[\"x\"]}\n"
      "{\"id\":4,\"query\":\"callers\"}\n"
      "{\"id\":5,\"query\":\"callers\",\"args\":[\"x\"],\"depth\":\"deep\"}\n"
      "\n"
      "{\"id\":7,\"query\":\"callers\",\"args\":[\"conect\"]}\n"
      "{\"id\":8,\"op\":\"ping\"}\n"));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"null", "\"invalid_argument\""}, {"null", "\"invalid_argument\""},
      {"3", "\"invalid_argument\""},    {"4", "\"invalid_argument\""},
      {"5", "\"invalid_argument\""},    {"null", "\"invalid_argument\""},
      {"7", "\"not_found\""},           {"8", "<none>"}};
  for (const auto& [id, code] : want) {
    auto line = c.ReadLine();
    ASSERT_TRUE(line.has_value()) << "no reply for id " << id;
    EXPECT_EQ(Field(*line, "id"), id) << *line;
    EXPECT_EQ(Field(*line, "code"), code) << *line;
  }
  // Still serving, this client and others.
  ASSERT_TRUE(c.Send(requests_[0] + "\n"));
  auto line = c.ReadLine();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(Normalize(*line), expected_[0]);
  EXPECT_EQ(Ask(R"({"op":"ping"})"), R"({"id":null,"pong":true})");
}

TEST_F(ServerTest, OversizedLineGetsAnErrorAndIsDiscarded) {
  Start();
  TestClient c(socket_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(R"({"id":1,"op":"ping"})" "\n"));
  // 3 MiB without a newline, sent in pieces while the server reads.
  std::string junk(64 * 1024, 'x');
  for (int i = 0; i < 48; ++i) ASSERT_TRUE(c.Send(junk));
  ASSERT_TRUE(c.Send("\n" R"({"id":2,"op":"ping"})" "\n"));
  auto a = c.ReadLine(), b = c.ReadLine(), d = c.ReadLine();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(*a, R"({"id":1,"pong":true})");
  EXPECT_EQ(Field(*b, "code"), "\"resource_exhausted\"") << *b;
  EXPECT_EQ(Field(*b, "id"), "null");
  EXPECT_EQ(*d, R"({"id":2,"pong":true})");
}

TEST_F(ServerTest, OversizedLineInOneReadAndUnderASmallLimit) {
  Start({.max_line_bytes = 100});
  TestClient c(socket_);
  ASSERT_TRUE(c.connected());
  // A valid request, but longer than the limit, with its newline.
  std::string big = R"({"id":1,"query":"search","args":[")" + std::string(200, 'a') + "\"]}";
  ASSERT_TRUE(c.Send(big + "\n" R"({"id":2,"op":"ping"})" "\n" + big + "\n"));
  auto a = c.ReadLine(), b = c.ReadLine(), d = c.ReadLine();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(Field(*a, "code"), "\"resource_exhausted\"") << *a;
  EXPECT_EQ(*b, R"({"id":2,"pong":true})");
  EXPECT_EQ(Field(*d, "code"), "\"resource_exhausted\"") << *d;
}

TEST_F(ServerTest, LastLineWithoutNewlineIsAnsweredAtEndOfInput) {
  Start();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = R"({"id":3,"op":"ping"})";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  ASSERT_EQ(::shutdown(fd, SHUT_WR), 0);
  std::string got;
  char buf[256];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, kTimeoutMs) > 0) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got, R"({"id":3,"pong":true})" "\n");
}

TEST_F(ServerTest, ManyConcurrentClientsGetTheRightAnswers) {
  Start();
  constexpr int kThreads = 16;
  constexpr int kRounds = 20;
  std::atomic<int> wrong{0}, right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (t % 2 == 0) {
        // A connection per request.
        for (int r = 0; r < kRounds; ++r) {
          size_t i = static_cast<size_t>(t * 7 + r) % requests_.size();
          (Normalize(Ask(requests_[i])) == expected_[i] ? right : wrong)++;
        }
      } else {
        // One connection, requests pipelined, replies in order.
        TestClient c(socket_);
        std::string batch;
        std::vector<size_t> sent;
        for (int r = 0; r < kRounds; ++r) {
          size_t i = static_cast<size_t>(t * 5 + r) % requests_.size();
          batch += requests_[i] + "\n";
          sent.push_back(i);
        }
        if (!c.connected() || !c.Send(batch)) {
          wrong += kRounds;
          return;
        }
        for (size_t i : sent) {
          auto line = c.ReadLine();
          (line && Normalize(*line) == expected_[i] ? right : wrong)++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(right.load(), kThreads * kRounds);
}

TEST_F(ServerTest, StalledAndNonReadingClientsDoNotBlockOthers) {
  Start({.workers = 1});
  // Half a line, then silence.
  TestClient half(socket_);
  ASSERT_TRUE(half.connected());
  ASSERT_TRUE(half.Send(R"({"id":"h","query":"cal)"));
  // Connected, never a byte.
  TestClient mute(socket_);
  ASSERT_TRUE(mute.connected());
  // Floods requests and never reads a reply: the server stops reading it
  // once its replies back up.
  TestClient flood(socket_);
  ASSERT_TRUE(flood.connected());
  std::string batch;
  for (int i = 0; i < 4000; ++i) batch += requests_[11] + "\n";  // context: ~1 KiB replies
  size_t flooded = flood.SendSome(batch);
  EXPECT_GT(flooded, 0u);

  for (size_t i = 0; i < requests_.size(); ++i)
    EXPECT_EQ(Normalize(Ask(requests_[i])), expected_[i]);
  // The stalled client finishes its line and gets its answer.
  ASSERT_TRUE(half.Send(R"(lers","args":["alpha_core::connect"]})" "\n"));
  auto line = half.ReadLine();
  ASSERT_TRUE(line.has_value());
  auto want = nlohmann::ordered_json::parse(expected_[0]);
  want["id"] = "h";
  EXPECT_EQ(Normalize(*line), want.dump());
  // The flood's replies are all there, in order, once it reads.
  auto first = flood.ReadLine();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Normalize(*first), expected_[11]);
}

TEST_F(ServerTest, ClientsVanishingMidRequestOrMidReplyDoNotHarmTheServer) {
  Start({.workers = 2});
  for (int round = 0; round < 5; ++round) {
    {
      // Many requests, then gone before the replies.
      TestClient c(socket_);
      ASSERT_TRUE(c.connected());
      std::string batch;
      for (int i = 0; i < 300; ++i) batch += requests_[i % requests_.size()] + "\n";
      c.SendSome(batch);
    }
    {
      // Half a line, then gone.
      TestClient c(socket_);
      ASSERT_TRUE(c.connected());
      c.Send(R"({"id":1,"query":"callers","ar)");
    }
    {
      // Reads part of a long stream of replies, then gone.
      TestClient c(socket_);
      ASSERT_TRUE(c.connected());
      std::string batch;
      for (int i = 0; i < 200; ++i) batch += requests_[11] + "\n";
      c.SendSome(batch);
      EXPECT_TRUE(c.ReadLine().has_value());
    }
    {
      // Connects and hangs up at once (what DaemonServes does).
      TestClient c(socket_);
      ASSERT_TRUE(c.connected());
    }
  }
  for (size_t i = 0; i < requests_.size(); ++i)
    EXPECT_EQ(Normalize(Ask(requests_[i])), expected_[i]);
}

TEST_F(ServerTest, SocketFileIsOwnerOnly) {
  Start();
  struct stat st;
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, ::getuid());
  // No temporary name is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(ServerTest, StaleSocketFileIsReplaced) {
  {
    // A socket file nobody listens on: what a killed daemon leaves.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  EXPECT_FALSE(aim::DaemonServes(dir_.string()));
  EXPECT_EQ(aim::QueryDaemon(socket_, R"({"op":"ping"})", kTimeoutMs).status().code(),
            absl::StatusCode::kUnavailable);
  Start();
  EXPECT_EQ(Ask(R"({"op":"ping"})"), R"({"id":null,"pong":true})");
  EXPECT_TRUE(aim::DaemonServes(dir_.string()));
}

TEST_F(ServerTest, LiveServerOrOtherFileIsNotReplaced) {
  Start();
  auto second = aim::QueryServer::Start(*engine_, socket_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists) << second.status();
  EXPECT_EQ(Ask(R"({"op":"ping"})"), R"({"id":null,"pong":true})");

  std::string file = (dir_ / "not-a-socket").string();
  std::ofstream(file) << "precious";
  auto third = aim::QueryServer::Start(*engine_, file);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition) << third.status();
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "precious");

  std::string too_long = "/tmp/" + std::string(120, 'x');
  EXPECT_EQ(aim::QueryServer::Start(*engine_, too_long).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, StopRemovesTheSocketAndIsIdempotent) {
  Start();
  EXPECT_TRUE(fs::exists(socket_));
  TestClient idle(socket_);  // an idle client does not hold Stop up
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.Send(R"({"op":"ping"})" "\n"));
  ASSERT_TRUE(idle.ReadLine().has_value());  // accepted, not in the backlog
  server_->Stop();
  EXPECT_FALSE(fs::exists(socket_));
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_EQ(aim::QueryDaemon(socket_, R"({"op":"ping"})", kTimeoutMs).status().code(),
            absl::StatusCode::kUnavailable);
  server_->Stop();
  server_.reset();
}

TEST_F(ServerTest, StopLeavesAReplacementsSocketAlone) {
  Start();
  // Another server takes the path over (its file replaces ours).
  ASSERT_EQ(::unlink(socket_.c_str()), 0);
  auto other = aim::QueryServer::Start(*engine_, socket_);
  ASSERT_TRUE(other.ok()) << other.status();
  server_->Stop();
  EXPECT_TRUE(fs::exists(socket_));
  EXPECT_EQ(Ask(R"({"op":"ping"})"), R"({"id":null,"pong":true})");
  (*other)->Stop();
  EXPECT_FALSE(fs::exists(socket_));
}

TEST_F(ServerTest, StopFinishesRequestsInFlight) {
  GatedEngine gated(*engine_);
  gated.Close();
  Start({}, &gated);
  TestClient c(socket_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(requests_[0] + "\n"));
  gated.WaitForArrivals(1);
  std::thread stopper([&] { server_->Stop(); });
  // Stop closes the door at once, but waits for the answer.
  const int64_t deadline = NowMs() + kTimeoutMs;
  while (fs::exists(socket_) && NowMs() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(fs::exists(socket_));
  gated.Open();
  auto line = c.ReadLine();
  stopper.join();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(Normalize(*line), expected_[0]);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, StopDoesNotWaitForeverOnAClientThatDoesNotRead) {
  Start({.stop_grace_ms = 100});
  TestClient flood(socket_);
  ASSERT_TRUE(flood.connected());
  std::string batch;
  for (int i = 0; i < 4000; ++i) batch += requests_[11] + "\n";
  flood.SendSome(batch);
  ASSERT_TRUE(flood.ReadLine().has_value());  // it is being served
  server_->Stop();  // returns: the test would time out otherwise
  EXPECT_FALSE(fs::exists(socket_));
}

TEST_F(ServerTest, ClientsOverTheLimitAreToldAndClosed) {
  Start({.max_clients = 2});
  TestClient a(socket_), b(socket_);
  ASSERT_TRUE(a.Send(R"({"op":"ping"})" "\n") && b.Send(R"({"op":"ping"})" "\n"));
  ASSERT_TRUE(a.ReadLine() && b.ReadLine());  // both accepted
  TestClient c(socket_);
  auto line = c.ReadLine();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(Field(*line, "code"), "\"resource_exhausted\"") << *line;
  EXPECT_TRUE(c.ClosedByServer());
  EXPECT_EQ(server_->counters().refused, 1u);
  a.Close();
  // A slot is free again once the server has seen `a` go.
  const int64_t deadline = NowMs() + kTimeoutMs;
  std::string reply;
  while (NowMs() < deadline) {
    reply = Ask(R"({"op":"ping"})");
    if (reply == R"({"id":null,"pong":true})") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reply, R"({"id":null,"pong":true})");
}

TEST_F(ServerTest, ClientTimesOutOnASlowAnswer) {
  GatedEngine gated(*engine_);
  gated.Close();
  Start({}, &gated);
  auto r = aim::QueryDaemon(socket_, requests_[0], 50);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  gated.Open();
  EXPECT_EQ(Normalize(Ask(requests_[0])), expected_[0]);
}

TEST_F(ServerTest, NoServer) {
  EXPECT_FALSE(aim::DaemonServes(dir_.string()));
  EXPECT_EQ(aim::QueryDaemon(socket_, R"({"op":"ping"})", kTimeoutMs).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(aim::DaemonSocketPath(dir_.string()), socket_);
  Start();
  EXPECT_TRUE(aim::DaemonServes(dir_.string()));
}

// --- DaemonLock -------------------------------------------------------

class DaemonLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aim-lock-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    db_ = (dir_ / "nested" / "db").string();  // created by Acquire
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string PidFile() {
    std::ifstream in(db_ + "/daemon.pid");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s;
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(DaemonLockTest, SecondDaemonIsRefusedNamingThePid) {
  auto first = aim::DaemonLock::Acquire(db_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->previous_pid(), 0);
  EXPECT_EQ(PidFile(), std::to_string(getpid()) + "\n");
  auto second = aim::DaemonLock::Acquire(db_);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(getpid())),
            std::string_view::npos)
      << second.status();
  first->reset();
  EXPECT_EQ(PidFile(), "");
  auto third = aim::DaemonLock::Acquire(db_);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ((*third)->previous_pid(), 0);  // released properly: nobody to name
}

TEST_F(DaemonLockTest, LockOfALiveProcessIsRefused) {
  int ready[2], quit[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(quit), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = aim::DaemonLock::Acquire(db_);
    char ok = lock.ok() ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) _exit(3);
    char c;
    if (::read(quit[0], &c, 1) < 0) _exit(4);
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  auto mine = aim::DaemonLock::Acquire(db_);
  EXPECT_EQ(mine.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(mine.status().message().find("(pid " + std::to_string(child) + ")"),
            std::string_view::npos)
      << mine.status();
  ASSERT_EQ(::write(quit[1], "q", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  for (int fd : {ready[0], ready[1], quit[0], quit[1]}) ::close(fd);
}

TEST_F(DaemonLockTest, StaleLockOfAKilledDaemonIsTakenOver) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = aim::DaemonLock::Acquire(db_);
    // Dies holding it, as after kill -9: no destructor runs.
    _exit(lock.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(PidFile(), std::to_string(child) + "\n");
  auto lock = aim::DaemonLock::Acquire(db_);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_EQ((*lock)->previous_pid(), child);
  EXPECT_EQ(PidFile(), std::to_string(getpid()) + "\n");
}

}  // namespace
