// Running a program under test as a child process: its exit code and
// everything it printed.
#ifndef AIM_TESTS_SUPPORT_RUN_COMMAND_H_
#define AIM_TESTS_SUPPORT_RUN_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace aim::testing {

struct CommandResult {
  int exit_code = -1;  // -1: could not run, or killed by a signal
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh, stderr merged into stdout.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  const std::string cmd = command + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace aim::testing

#endif  // AIM_TESTS_SUPPORT_RUN_COMMAND_H_
