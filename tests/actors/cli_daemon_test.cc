// `aim query` and `aim stats` print the same bytes and exit with the same
// code whether a daemon answers them or they open the database
// themselves. The daemon here is a QueryServer on <db>/aim.sock over an
// engine that holds the database open for writing, as `aim watch` does.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aim/server.h"
#include "tests/actors/engine_fixture.h"
#include "tests/support/run_command.h"

namespace {

namespace fs = std::filesystem;

using AimRun = aim::testing::CommandResult;

AimRun RunAim(const std::string& args) {
  return aim::testing::RunCommand(std::string(AIM_BINARY) + " " + args);
}

// Replaces the digits right after each `prefix` (before each `suffix`
// when `after` is false) with a single 0. (std::regex trips GCC 12's
// -Wmaybe-uninitialized under the sanitizers.)
std::string ZeroNumbers(std::string s, const std::string& mark, bool after) {
  size_t pos = 0;
  while ((pos = s.find(mark, pos)) != std::string::npos) {
    size_t begin = after ? pos + mark.size() : pos, end = begin;
    if (after) {
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    } else {
      while (begin > 0 && std::isdigit(static_cast<unsigned char>(s[begin - 1]))) --begin;
    }
    if (begin != end) s.replace(begin, end - begin, "0");
    pos = (after ? begin + 1 : begin + 1 + mark.size());
  }
  return s;
}

// Cuts each line that starts with `prefix`.
std::string DropLines(std::string s, const std::string& prefix) {
  for (size_t pos = 0; (pos = s.find(prefix, pos)) != std::string::npos;) {
    if (pos > 0 && s[pos - 1] != '\n') {
      pos += prefix.size();
      continue;
    }
    const size_t end = s.find('\n', pos);
    s.erase(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
  }
  return s;
}

// Timings differ between two runs; so does the memory of two engines
// (the daemon's has a search index, and a writer's graph the resolution
// state a read-only open without a log to replay does not load).
std::string Mask(std::string s) {
  s = ZeroNumbers(s, "\"elapsed_us\":", true);
  s = ZeroNumbers(s, " us\n", false);
  s = ZeroNumbers(s, "\"memory_bytes\":", true);
  s = ZeroNumbers(s, "\"open_us\":", true);
  s = ZeroNumbers(s, "\"load_us\":", true);
  for (const std::string& t : {std::string("true"), std::string("false")})
    if (size_t at = s.find("\"queries_only\":" + t); at != std::string::npos)
      s.replace(at, 15 + t.size(), "\"queries_only\":?");
  s = DropLines(s, "memory    ");
  s = DropLines(s, "opened    ");
  return s;
}

class CliDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path("/tmp") / ("aim-cli-daemon-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    db_ = (dir_ / "db").string();
    engine_ = aim::test_support::OpenIngestedEngine(db_);
    ASSERT_NE(engine_, nullptr);
  }
  void TearDown() override {
    engine_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::string db_;
  std::unique_ptr<aim::Engine> engine_;
};

TEST_F(CliDaemonTest, SameOutputWithAndWithoutADaemon) {
  const std::vector<std::string> commands = {
      "query callers alpha_core::connect",
      "query callers alpha_core::connect --json",
      "query callees Stream::open --depth 2",
      "query what-implements Transport --json",
      "query blast-radius alpha_core::util::checksum",
      "query blast-radius alpha_core::connect --direction down --json",
      "query uses alpha_core::connect",
      "query used-by alpha_core::net::tcp::Stream --json",
      "query cycles",
      "query cycles --scope modules --json",
      "query path app::main alpha_core::util::checksum",
      "query path app::main alpha_core::util::checksum --json",
      "query search Strea --limit 3",
      "query search Strea --json",
      "query context alpha_core::connect --budget 300",
      "query context alpha_core::connect --budget 300 --json",
      "query callers conect",           // unknown: exit 1
      "query callers conect --json",
      "query callers connect",          // ambiguous: exit 1
      "query callers connect --json",
      "query what-implements alpha_core::connect",  // not a trait: exit 2
      "query path app::main --json",    // one name short: exit 2
      "query cycles main",              // a name too many: exit 2
      "stats",
      "stats --json",
  };
  std::vector<AimRun> with_daemon;
  {
    auto server = aim::QueryServer::Start(*engine_, aim::DaemonSocketPath(db_));
    ASSERT_TRUE(server.ok()) << server.status();
    for (const std::string& c : commands) with_daemon.push_back(RunAim(c + " --db " + db_));
    // Every command went to the daemon.
    EXPECT_EQ((*server)->counters().requests, commands.size());
  }
  ASSERT_FALSE(fs::exists(aim::DaemonSocketPath(db_)));
  for (size_t i = 0; i < commands.size(); ++i) {
    AimRun alone = RunAim(commands[i] + " --db " + db_);
    EXPECT_EQ(with_daemon[i].exit_code, alone.exit_code) << commands[i];
    EXPECT_EQ(Mask(with_daemon[i].output), Mask(alone.output)) << commands[i];
    EXPECT_FALSE(alone.output.empty()) << commands[i];
  }
  EXPECT_EQ(with_daemon[0].exit_code, 0);
  EXPECT_EQ(with_daemon[16].exit_code, 1);
  EXPECT_EQ(with_daemon[18].exit_code, 1);
  EXPECT_EQ(with_daemon[20].exit_code, 2);
}

TEST_F(CliDaemonTest, ADaemonThatTurnsTheRequestAwayIsDoneWithout) {
  auto server = aim::QueryServer::Start(*engine_, aim::DaemonSocketPath(db_),
                                        {.max_clients = 1});
  ASSERT_TRUE(server.ok()) << server.status();
  // The one client it takes, kept connected.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, aim::DaemonSocketPath(db_).c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string ping = "{\"op\":\"ping\"}\n";
  ASSERT_EQ(::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL), static_cast<ssize_t>(ping.size()));
  char buf[64];
  ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);  // accepted and answered
  AimRun r = RunAim("query callers alpha_core::connect --db " + db_);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("app::main"), std::string::npos) << r.output;
  EXPECT_EQ((*server)->counters().refused, 1u);
  ::close(fd);
}

TEST_F(CliDaemonTest, StaleSocketFileFallsBackToTheDatabase) {
  // A daemon that died left its socket file behind.
  {
    auto server = aim::QueryServer::Start(*engine_, aim::DaemonSocketPath(db_));
    ASSERT_TRUE(server.ok()) << server.status();
  }
  fs::create_directories(db_);
  { std::ofstream(aim::DaemonSocketPath(db_)) << ""; }
  AimRun r = RunAim("query callers alpha_core::connect --db " + db_);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("app::main"), std::string::npos) << r.output;
}

}  // namespace
