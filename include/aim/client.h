// The client's side of the query protocol (aim/protocol.h).
//
//   if (aim::DaemonServes(db_dir)) {
//     auto line = aim::QueryDaemon(aim::DaemonSocketPath(db_dir),
//                                  aim::EncodeRequest(request), 30000);
//     auto reply = aim::ParseReplyLine(*line, aim::RequestOp::kQuery);
//   }
#ifndef AIM_CLIENT_H_
#define AIM_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"

namespace aim {

// Sends one request line (a newline is added unless it ends with one) on
// a new connection to `socket_path` and returns the reply line, without
// its newline. The whole exchange is bounded by `timeout_ms`.
// Errors: Unavailable when no server listens there (no socket file, a
// stale one, no permission, a full backlog until the deadline) — the one
// code after which a caller may do the work itself; DeadlineExceeded when
// the reply does not come in time; Internal when the server closes the
// connection before a whole reply, or a read or write fails. A line the
// server sent before hanging up (turning a client away) is returned even
// if sending the request failed.
absl::StatusOr<std::string> QueryDaemon(const std::string& socket_path,
                                        const std::string& request_line,
                                        int timeout_ms);

// Whether a server accepts connections on DaemonSocketPath(db_dir) (it
// connects and hangs up; a stale socket file answers false).
bool DaemonServes(const std::string& db_dir);

}  // namespace aim

#endif  // AIM_CLIENT_H_
