// The live engine's actors and their messages (CAF 0.17). Included only by
// actors/live.cc and the actor tests: CAF's headers are heavy.
#ifndef AIM_ACTORS_LIVE_ACTORS_H_
#define AIM_ACTORS_LIVE_ACTORS_H_

#include <caf/all.hpp>

#include <functional>
#include <vector>

#include "actors/engine_impl.h"
#include "actors/live.h"

namespace aim::host {

// Messages (in-process only, never serialised).
struct QueryJob {
  QueryRequest request;
  std::function<void(absl::StatusOr<QueryResult>)> done;
};
struct ApplyReply {
  absl::Status status;
  uint64_t lsn = 0;
};

}  // namespace aim::host

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(aim::host::QueryJob)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(aim::host::ParsedFile)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<aim::host::ParsedFile>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(aim::host::ApplyReply)

// CAF hands a message from one thread to another inside libcaf_core,
// which Debian does not build with ThreadSanitizer, so TSan cannot see
// that a message was filled in before its receiver reads it (and reports
// a race as soon as the data moves on to a thread of our own). Under TSan
// every send releases, and every receive acquires, one sync object; in
// other builds these are empty.
#if defined(__SANITIZE_THREAD__)
#define AIM_TSAN_HANDOFF 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AIM_TSAN_HANDOFF 1
#endif
#endif
#ifdef AIM_TSAN_HANDOFF
#include <sanitizer/tsan_interface.h>
#endif

namespace aim::host {

#ifdef AIM_TSAN_HANDOFF
inline char g_caf_handoff;
inline void HandOffSend() { __tsan_release(&g_caf_handoff); }
inline void HandOffReceive() { __tsan_acquire(&g_caf_handoff); }
#else
inline void HandOffSend() {}
inline void HandOffReceive() {}
#endif

using query_atom = caf::atom_constant<caf::atom("query")>;
using parse_atom = caf::atom_constant<caf::atom("parse")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;

// Reader: (query, QueryJob) -> calls job.done with the answer.
caf::behavior ReaderActor(caf::event_based_actor* self, EngineImpl* engine);
// Parser: (parse, root, rel, old_hash) -> ParsedFile. `index` is its place
// in the pool. (Every actor takes an argument: CAF 0.17 dereferences a null
// argument tuple for argument-less function actors, which UBSan reports.)
caf::behavior ParserActor(caf::event_based_actor* self, int index);
// Graph owner, the single writer: (apply, vector<ParsedFile>) -> ApplyReply.
caf::behavior OwnerActor(caf::event_based_actor* self, EngineImpl* engine);

}  // namespace aim::host

#endif  // AIM_ACTORS_LIVE_ACTORS_H_
