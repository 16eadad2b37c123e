#include "cli/commands.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "aim/client.h"
#include "aim/protocol.h"
#include "aim/server.h"

namespace aim::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string Hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Where(const EntityInfo& e) {
  if (e.file.empty()) return "(external)";
  return e.file + ":" + std::to_string(e.line);
}

absl::StatusOr<std::unique_ptr<Engine>> OpenDb(const CommonArgs& c,
                                               bool read_only) {
  Options o;
  o.db_dir = c.db;
  o.read_only = read_only;
  o.recovery = c.recovery;
  o.search_index = false;  // one query per process: a scan is cheaper
  return Engine::Open(o);
}

// How long `aim query` and `aim stats` wait for a daemon's reply.
constexpr int kDaemonTimeoutMs = 30000;

// The reply of the daemon serving the database, if one does; nullopt when
// none does, or when it turned the request away unread (too many clients,
// a line over its limit): the caller then opens the database itself. An
// error when a daemon was reached but no whole reply came back.
absl::StatusOr<std::optional<ProtocolReply>> AskDaemon(const CommonArgs& c,
                                                       ProtocolRequest req) {
  const std::string socket = DaemonSocketPath(c.db);
  req.id = "1";  // a reply for any other id is not an answer to this request
  absl::StatusOr<std::string> line = QueryDaemon(socket, EncodeRequest(req), kDaemonTimeoutMs);
  if (!line.ok()) {
    if (absl::IsUnavailable(line.status())) return std::nullopt;
    return absl::Status(line.status().code(),
                        "the daemon at " + socket + ": " + std::string(line.status().message()));
  }
  absl::StatusOr<ProtocolReply> reply = ParseReplyLine(*line, req.op);
  if (!reply.ok())
    return absl::InternalError("the daemon at " + socket + " sent a bad reply: " +
                               std::string(reply.status().message()));
  if (reply->id != req.id) {
    if (!reply->error.ok()) return std::nullopt;  // turned away unread
    return absl::InternalError("the daemon at " + socket + " answered another request");
  }
  return std::optional<ProtocolReply>(std::move(*reply));
}

// Reports an error; exit code 2 (the database or the request is wrong).
int Fail(const absl::Status& s, const char* what) {
  std::cerr << "aim " << what << ": " << s.message() << "\n";
  return kExitError;
}

}  // namespace

int RunIngest(const CommonArgs& c, const std::string& dir, int threads) {
  Options o;
  o.db_dir = c.db;
  o.threads = threads;
  o.durability = c.durability;
  o.recovery = c.recovery;
  auto engine = Engine::Open(o);
  if (!engine.ok()) return Fail(engine.status(), "ingest");
  const bool tty = isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  auto progress = [&](const IngestProgress& p) {
    if (!tty) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start).count();
    std::fprintf(stderr, "\r  %zu/%zu files, %llu lines, %.0f lines/s   ",
                 p.files_done, p.files_total,
                 static_cast<unsigned long long>(p.lines),
                 s > 0 ? p.lines / s : 0.0);
  };
  auto report = (*engine)->Ingest(dir, progress);
  if (tty) std::fprintf(stderr, "\r%*s\r", 60, "");
  if (!report.ok()) return Fail(report.status(), "ingest");
  const IngestReport& r = *report;
  for (const auto& p : r.problems) std::cerr << "warning: " << p << "\n";
  if (c.json) {
    Json j;
    j["files"] = r.files;
    j["unchanged"] = r.unchanged;
    j["removed"] = r.removed;
    j["version"] = r.version;
    j["lines"] = r.lines;
    j["bytes"] = r.bytes;
    j["skipped"] = r.skipped;
    j["syntax_errors"] = r.syntax_errors;
    j["entities"] = r.entities;
    j["edges"] = r.edges;
    j["extract_ms"] = r.extract_ms;
    j["resolve_ms"] = r.resolve_ms;
    j["persist_ms"] = r.persist_ms;
    j["total_ms"] = r.total_ms;
    j["db"] = c.db;
    std::cout << Dump(j) << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(0) << "ingested " << r.files
              << " files, " << r.lines << " lines";
    if (r.unchanged || r.removed)
      std::cout << " (" << r.unchanged << " unchanged, " << r.removed
                << " removed)";
    std::cout << " -> " << r.entities
              << " entities, " << r.edges << " edges in " << r.total_ms
              << " ms (read+extract+build " << r.extract_ms << ", resolve "
              << r.resolve_ms << ", persist " << r.persist_ms << ") into "
              << c.db << ", version " << r.version << "\n";
    if (r.skipped || r.syntax_errors)
      std::cout << r.skipped << " files skipped, " << r.syntax_errors
                << " syntax errors (see warnings)\n";
  }
  return kExitOk;
}

[[noreturn]] void ExitNow(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

int RunQuery(const CommonArgs& c, const QueryRequest& req,
             std::unique_ptr<Engine>* keep) {
  // A daemon serving the database answers (fresher and faster); without
  // one the database is opened read-only. The output is the same.
  ProtocolRequest preq;
  preq.query = req;
  auto daemon = AskDaemon(c, preq);
  if (!daemon.ok()) return Fail(daemon.status(), "query");
  std::unique_ptr<Engine>& engine = *keep;
  absl::StatusOr<QueryResult> res = absl::UnknownError("no answer");
  if (daemon->has_value()) {
    ProtocolReply& reply = **daemon;
    if (reply.error.ok()) {
      res = std::move(reply.result);
    } else {
      res = reply.error;
    }
  } else {
    auto opened = OpenDb(c, /*read_only=*/true);
    if (!opened.ok()) return Fail(opened.status(), "query");
    engine = std::move(*opened);
    res = engine->Query(req);
  }
  if (!res.ok()) {
    if (c.json) std::cout << EncodeQueryError(req.kind, res.status()) << "\n";
    Fail(res.status(), "query");
    // A name that matches nothing is an answer ("no such entity"): exit 1.
    return res.status().code() == absl::StatusCode::kNotFound ? kExitNoAnswer
                                                              : kExitError;
  }
  const QueryResult& r = *res;
  if (c.json) {
    std::cout << EncodeQueryResult(r) << "\n";
    return r.ambiguous ? kExitNoAnswer : kExitOk;
  }
  if (r.ambiguous) {
    std::cerr << "aim query: `" << req.args[0] << "` is ambiguous; candidates:\n";
    for (const auto& t : r.target)
      std::cerr << "  " << t.qualified << "  (" << t.kind << ", " << Where(t)
                << ")\n";
    return kExitNoAnswer;
  }
  std::ostringstream out;
  if (!r.target.empty()) {
    out << r.query << " " << r.target[0].qualified << " (" << r.target[0].kind
        << ", " << Where(r.target[0]) << ")";
    if (r.target.size() > 1) out << " -> " << r.target[1].qualified;
    if (!r.change.empty()) {
      // blast-radius: how the start's last update changed it.
      out << ", last change: "
          << (r.change == "body"        ? "its body only"
              : r.change == "signature" ? "its signature"
                                        : r.change);
    }
    out << "\n";
  }
  if (r.query == "context") {
    out << r.text;
    if (!r.text.empty() && r.text.back() != '\n') out << "\n";
  } else if (r.query == "cycles") {
    size_t n = 0;
    for (const auto& cyc : r.cycles) {
      out << "cycle " << ++n << " (" << cyc.size() << "):\n";
      for (const auto& m : cyc) out << "  " << m.qualified << "  " << Where(m) << "\n";
    }
    if (r.cycles.empty()) out << "no cycles\n";
  } else {
    for (const auto& h : r.results) {
      out << "  " << h.entity.qualified << "  (" << h.entity.kind << ", "
          << Where(h.entity) << ")";
      if (!h.path.empty()) {
        const EdgeInfo& last = h.path.back();
        out << "  via " << last.kind << " at " << last.file << ":" << last.line
            << " [" << last.confidence << "]";
        if (h.depth > 1) out << " depth " << h.depth;
      }
      out << "\n";
    }
    if (r.results.empty()) out << "  (none)\n";
  }
  if (r.query != "context") {
    out << r.total << " result" << (r.total == 1 ? "" : "s");
    if (r.total > r.results.size() && r.query != "cycles")
      out << " (" << r.results.size() << " shown)";
    out << ", ";
  }
  out << "version " << r.version << ", " << r.elapsed_us << " us\n";
  std::cout << out.str();
  return kExitOk;
}

int RunStats(const CommonArgs& c, std::unique_ptr<Engine>* keep) {
  ProtocolRequest preq;
  preq.op = RequestOp::kStats;
  auto daemon = AskDaemon(c, preq);
  if (!daemon.ok()) return Fail(daemon.status(), "stats");
  EngineStats s;
  if (daemon->has_value()) {
    if (!(*daemon)->error.ok()) return Fail((*daemon)->error, "stats");
    s = std::move((*daemon)->stats);
  } else {
    auto engine = OpenDb(c, /*read_only=*/true);
    if (!engine.ok()) return Fail(engine.status(), "stats");
    *keep = std::move(*engine);
    s = (*keep)->Stats();
  }
  if (c.json) {
    std::cout << EncodeStats(s) << "\n";
    return kExitOk;
  }
  std::cout << "database " << c.db << " (version " << s.version << ")\n"
            << "workspace " << s.root << "\n"
            << "files     " << s.files << "\n"
            << "entities  " << s.entities << "\n";
  for (const auto& [k, n] : s.entities_by_kind)
    if (n) std::cout << "  " << std::left << std::setw(14) << k << n << "\n";
  std::cout << "edges     " << s.edges << "\n";
  for (const auto& [k, n] : s.edges_by_kind)
    if (n) std::cout << "  " << std::left << std::setw(14) << k << n << "\n";
  if (s.edges > 0 && !s.edges_by_confidence.empty()) {
    std::cout << "  by confidence:";
    for (const auto& [k, n] : s.edges_by_confidence)
      std::cout << " " << k << " " << n << " ("
                << (n * 1000 / s.edges + 5) / 10 << "%)";
    std::cout << "\n";
  }
  std::cout << "memory    " << s.memory_bytes / 1024 << " KiB"
            << (s.queries_only ? " (read-only: loaded for queries, without "
                                 "the resolution state edits need)"
                               : "")
            << "\n"
            << "durable   checkpoint at version " << s.checkpoint_lsn << ", "
            << s.wal_bytes / 1024 << " KiB of log in " << s.wal_segments
            << " segment(s) after it (" << s.replayed
            << " records replayed at open)\n"
            << "opened    in " << s.open_us / 1000 << " ms (checkpoint "
            << s.load_us / 1000 << " ms)\n";
  if (!s.recovery_note.empty()) std::cout << "note      " << s.recovery_note << "\n";
  // Only a daemon's (writable) engine has these.
  if (!s.write_error.empty()) std::cout << "writes    refused: " << s.write_error << "\n";
  if (!s.checkpoint_error.empty())
    std::cout << "checkpoint failed: " << s.checkpoint_error << "\n";
  return kExitOk;
}

int RunCheck(const CommonArgs& c) {
  absl::StatusOr<CheckSummary> r = CheckDatabase(c.db);
  if (!r.ok()) {
    if (c.json) {
      Json j;
      j["ok"] = false;
      j["error"] = std::string(r.status().message());
      std::cout << Dump(j) << "\n";
    }
    return Fail(r.status(), "check");
  }
  if (c.json) {
    Json j;
    j["ok"] = true;
    j["checkpoint"] = r->checkpoint;
    j["checkpoint_lsn"] = r->checkpoint_lsn;
    j["checkpoint_files"] = r->checkpoint_files;
    j["wal_segments"] = r->wal_segments;
    j["wal_records"] = r->wal_records;
    j["wal_bytes"] = r->wal_bytes;
    j["first_lsn"] = r->first_lsn;
    j["last_lsn"] = r->last_lsn;
    j["torn_tail"] = r->torn_tail.empty() ? Json() : Json(r->torn_tail);
    std::cout << Dump(j) << "\n";
    return kExitOk;
  }
  std::cout << "checkpoint " << (r->checkpoint.empty() ? "(none)" : r->checkpoint)
            << ": version " << r->checkpoint_lsn << ", " << r->checkpoint_files
            << " files, verified\n"
            << "wal        " << r->wal_segments << " segment(s), " << r->wal_records
            << " records (" << r->wal_bytes << " bytes), versions "
            << r->first_lsn << ".." << r->last_lsn << ", verified\n";
  if (!r->torn_tail.empty())
    std::cout << "note       " << r->torn_tail
              << " (an unacknowledged write; the next open cuts it)\n";
  std::cout << "ok\n";
  return kExitOk;
}

int RunExport(const CommonArgs& c, const std::string& format,
              const std::string& out_path) {
  auto engine = OpenDb(c, /*read_only=*/true);
  if (!engine.ok()) return Fail(engine.status(), "export");
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary);
    if (!file) {
      std::cerr << "aim export: cannot write " << out_path << "\n";
      return kExitError;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  const Engine& e = **engine;
  auto node_id = [](uint64_t id) { return "n" + Hex(id); };
  if (format == "jsonl") {
    e.ForEachEntity([&](const EntityInfo& x) { out << EncodeExportEntity(x) << "\n"; });
    e.ForEachEdge([&](const EdgeInfo& x) { out << EncodeExportEdge(x) << "\n"; });
  } else if (format == "dot") {
    out << "digraph aim {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n";
    e.ForEachEntity([&](const EntityInfo& x) {
      out << "  " << node_id(x.id) << " [label=" << Json(x.qualified + "\n" + x.kind)
          << "];\n";
    });
    e.ForEachEdge([&](const EdgeInfo& x) {
      out << "  " << node_id(x.from) << " -> " << node_id(x.to)
          << " [label=" << Json(x.kind) << "];\n";
    });
    out << "}\n";
  } else if (format == "mermaid") {
    out << "graph LR\n";
    e.ForEachEntity([&](const EntityInfo& x) {
      std::string label = x.qualified;
      for (char& ch : label)
        if (ch == '"') ch = '\'';
      out << "  " << node_id(x.id) << "[\"" << label << "\"]\n";
    });
    e.ForEachEdge([&](const EdgeInfo& x) {
      out << "  " << node_id(x.from) << " -->|" << x.kind << "| "
          << node_id(x.to) << "\n";
    });
  } else {
    std::cerr << "aim export: unknown format " << format << "\n";
    return kExitError;
  }
  out.flush();
  return out.good() ? kExitOk : kExitError;
}

int RunWatch(const CommonArgs& c, const std::string& dir, int debounce_ms) {
  // Blocked before any thread starts, so that every thread inherits the
  // mask and only sigwait below receives them (no signal handler).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto lock = DaemonLock::Acquire(c.db);
  if (!lock.ok()) return Fail(lock.status(), "watch");
  if ((*lock)->previous_pid() != 0)
    std::cerr << "aim watch: taking over " << (*lock)->path() << " from pid "
              << (*lock)->previous_pid() << ", which is gone\n";
  Options o;
  o.db_dir = c.db;
  o.durability = c.durability;
  o.recovery = c.recovery;
  auto engine = Engine::Open(o);
  if (!engine.ok()) return Fail(engine.status(), "watch");
  if (absl::Status s = (*engine)->Watch(dir, debounce_ms); !s.ok()) return Fail(s, "watch");
  const std::string socket = DaemonSocketPath(c.db);
  auto server = QueryServer::Start(**engine, socket);
  if (!server.ok()) {
    (*engine)->StopWatching();
    return Fail(server.status(), "watch");
  }
  std::cout << "aim watch: watching " << dir << ", serving " << c.db << " on "
            << socket << " (version " << (*engine)->Stats().version << ", pid "
            << getpid() << "); SIGINT or SIGTERM stops" << std::endl;
  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  std::cerr << "aim watch: " << strsignal(sig) << ", stopping\n";
  (*server)->Stop();
  (*engine)->StopWatching();
  engine->reset();  // waits for a running checkpoint, flushes the log
  return kExitOk;
}

}  // namespace aim::cli
