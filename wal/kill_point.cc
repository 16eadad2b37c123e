#include "wal/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace aim::wal {
namespace {

std::atomic<uint64_t> g_hits{0};

struct Target {
  std::string name;  // "*": any
  uint64_t n = 0;    // 0: none
  std::atomic<uint64_t> seen{0};
};

Target& TheTarget() {
  static Target* t = [] {
    auto* target = new Target;
    if (const char* spec = std::getenv("AIM_KILL_AT")) {
      const char* colon = std::strrchr(spec, ':');
      if (colon != nullptr) {
        target->name.assign(spec, colon);
        target->n = std::strtoull(colon + 1, nullptr, 10);
      }
    }
    return target;
  }();
  return *t;
}

}  // namespace

void KillPoint(const char* name) {
  g_hits.fetch_add(1, std::memory_order_relaxed);
  Target& t = TheTarget();
  if (t.n == 0) return;
  if (t.name != "*" && t.name != name) return;
  if (t.seen.fetch_add(1) + 1 == t.n) {
    // Tell the harness where we died (best effort), then die at once.
    std::string msg = std::string("kill point ") + name + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::raise(SIGKILL);
  }
}

uint64_t KillPointHits() { return g_hits.load(); }

}  // namespace aim::wal
