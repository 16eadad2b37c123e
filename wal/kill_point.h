// Kill points: named places on the durability paths (before a record
// write, between write and sync, at each step of a segment roll, a
// checkpoint and a manifest publication, ...) where the crash harness can
// have the process die on the spot. Compiled in only when AIM_KILL_POINTS
// is defined (CMake option of the same name, for test builds); otherwise
// they cost nothing.
//
// With kill points compiled in, the environment variable AIM_KILL_AT=
// "<name>:<n>" makes the n-th hit (1-based) of <name> raise SIGKILL, and
// AIM_KILL_AT="*:<n>" the n-th hit of any point. Every hit is counted.
#ifndef AIM_WAL_KILL_POINT_H_
#define AIM_WAL_KILL_POINT_H_

#include <cstdint>

namespace aim::wal {

// Counts a hit of `name` and kills the process if AIM_KILL_AT selects it.
void KillPoint(const char* name);
// Hits of all points so far (for the harness' summary).
uint64_t KillPointHits();

}  // namespace aim::wal

#ifdef AIM_KILL_POINTS
#define AIM_KILL_POINT(name) ::aim::wal::KillPoint(name)
#else
#define AIM_KILL_POINT(name) ((void)0)
#endif

#endif  // AIM_WAL_KILL_POINT_H_
