#include "recovery/store.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <variant>
#include <vector>

#include "recovery/manifest.h"
#include "recovery/parallel.h"
#include "wal/kill_point.h"

namespace aim::recovery {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kLockName[] = "LOCK";
constexpr char kWalDir[] = "wal";
// The single checkpoint file of databases written before the WAL existed.
constexpr char kLegacyCheckpoint[] = "checkpoint.aim";

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Reads the checkpoint file the manifest names (or a legacy one) and checks
// its header's LSN against the manifest. No checkpoint at all leaves
// `file` empty: an empty state at LSN 0.
absl::Status ReadCheckpointOf(wal::Env* env, const std::string& dir,
                              CheckpointFile* file, std::string* name) {
  absl::StatusOr<Manifest> m = ReadManifest(env, dir);
  if (m.ok()) {
    const std::string path = wal::JoinPath(dir, m->checkpoint);
    absl::StatusOr<CheckpointFile> f = ReadCheckpointFile(env, path);
    if (!f.ok()) {
      if (f.status().code() == absl::StatusCode::kNotFound)
        return absl::DataLossError(std::string(kManifestName) + " names " +
                                   path + ", which is missing");
      return f.status();
    }
    if (f->lsn != m->checkpoint_lsn)
      return absl::DataLossError("checkpoint " + path + " holds LSN " +
                                 std::to_string(f->lsn) + ", not the LSN " +
                                 std::to_string(m->checkpoint_lsn) +
                                 " its name and MANIFEST give");
    *file = std::move(*f);
    *name = m->checkpoint;
    return absl::OkStatus();
  }
  if (m.status().code() != absl::StatusCode::kNotFound) return m.status();
  const std::string legacy = wal::JoinPath(dir, kLegacyCheckpoint);
  if (!env->Exists(legacy)) return absl::OkStatus();
  absl::StatusOr<CheckpointFile> f = ReadCheckpointFile(env, legacy);
  if (!f.ok()) return f.status();
  *file = std::move(*f);
  *name = kLegacyCheckpoint;
  return absl::OkStatus();
}

// What a recovery's scanner thread hands to the thread that loads the
// checkpoint: first the scan's outcome, then the folded records in
// ApplyMutation's order, decoded one file at a time, so that the loading
// thread applies one file while the scanner decodes the next.
class ReplayHandoff {
 public:
  using Part = std::variant<std::string /*removed*/, graph::FileInput>;

  void ScanDone() { Set([this] { scanned_ = true; }); }
  // The checkpoint is loaded (or failed to load): decoding may start.
  void Loaded() { Set([this] { loaded_ = true; }); }
  void WaitLoaded() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return loaded_ || cancelled_; });
  }
  void Push(Part part) { Set([&] { parts_.push_back(std::move(part)); }); }
  void Finish(absl::Status s) {
    Set([&] {
      scanned_ = true;
      finished_ = true;
      status_ = std::move(s);
    });
  }
  // Tells the scanner to stop decoding (its parts would not be applied).
  void Cancel() { Set([this] { cancelled_ = true; }); }
  bool cancelled() {
    std::lock_guard<std::mutex> l(mu_);
    return cancelled_;
  }

  // The scan met its first record to replay.
  void RecordSeen() { Set([this] { record_seen_ = true; }); }
  // Whether the log has a record to replay: waits for the scan to meet
  // one, or to end (it meets the first one after reading little).
  bool HasRecords() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return record_seen_ || scanned_; });
    return record_seen_;
  }
  void WaitScanned() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return scanned_; });
  }
  // The next part; false once every part was handed over.
  bool Pop(Part* part) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !parts_.empty() || finished_; });
    if (parts_.empty()) return false;
    *part = std::move(parts_.front());
    parts_.pop_front();
    return true;
  }
  // After Pop returned false: how the decoding ended.
  absl::Status status() {
    std::lock_guard<std::mutex> l(mu_);
    return status_;
  }

 private:
  template <typename Fn>
  void Set(Fn fn) {
    {
      std::lock_guard<std::mutex> l(mu_);
      fn();
    }
    cv_.notify_all();  // the two threads wait on it for different things
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Part> parts_;
  bool scanned_ = false, loaded_ = false, finished_ = false, cancelled_ = false;
  bool record_seen_ = false;
  absl::Status status_;
};

// Verifies and decodes what ReadCheckpointOf read.
absl::StatusOr<CheckpointData> DecodeRead(const CheckpointFile& file) {
  if (file.bytes().empty()) return CheckpointData();
  return DecodeCheckpointFile(file);
}

// Both: the checkpoint's contents.
absl::Status LoadCheckpoint(wal::Env* env, const std::string& dir,
                            CheckpointData* data, std::string* name) {
  CheckpointFile file;
  if (absl::Status s = ReadCheckpointOf(env, dir, &file, name); !s.ok()) return s;
  absl::StatusOr<CheckpointData> d = DecodeRead(file);
  if (!d.ok()) return d.status();
  *data = std::move(*d);
  return absl::OkStatus();
}

// The graph a checkpoint holds: its image loaded (with `run`, parts of it
// at once), or its files resolved.
absl::StatusOr<std::unique_ptr<graph::Graph>> BuildGraph(
    CheckpointData& data, const std::string& name,
    const graph::RunTasks& run = nullptr,
    graph::Graph::ImageParts parts = graph::Graph::ImageParts::kAll) {
  if (data.has_image()) {
    absl::StatusOr<std::unique_ptr<graph::Graph>> g =
        graph::Graph::LoadImage(data.image(), run, parts);
    if (!g.ok())
      // (The loader's messages start "graph image: ".)
      return absl::Status(g.status().code(), "checkpoint " + name + ": " +
                                                 std::string(g.status().message()));
    return g;
  }
  auto g = std::make_unique<graph::Graph>();
  g->BeginBatch();
  for (graph::FileInput& f : data.files) g->UpsertFile(std::move(f));
  data.files = {};
  g->EndBatch();
  return g;
}

// Removes the temp files of checkpoint and MANIFEST publications that a
// crash cut short (a publication writes <name>.tmp, then renames it): they
// are never read, and each may be a whole graph image. Caller holds the
// lock. No directory sync: should a power cut bring one back, the next
// open removes it again.
absl::Status RemoveCrashDebris(wal::Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names = env->ListDir(dir);
  if (!names.ok()) return names.status();
  constexpr std::string_view kTmp = ".tmp";
  for (const std::string& n : *names) {
    if (n.size() <= kTmp.size() || !std::string_view(n).ends_with(kTmp)) continue;
    const std::string_view target = std::string_view(n).substr(0, n.size() - kTmp.size());
    uint64_t lsn;
    if (target != kManifestName && !ParseCheckpointFileName(target, &lsn)) continue;
    if (absl::Status s = env->Remove(wal::JoinPath(dir, n)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// A record Take decoded late (its message names the LSN).
absl::Status WalError(const absl::Status& s) {
  return absl::Status(s.code(), "WAL " + std::string(s.message()));
}

absl::Status BadRecord(uint64_t lsn, const absl::Status& s) {
  return absl::Status(s.code(), "WAL record LSN " + std::to_string(lsn) +
                                    " verifies but does not decode: " +
                                    std::string(s.message()));
}

}  // namespace

Store::Store(wal::Env* env, std::string dir, StoreOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const StoreOptions& options,
                                                   Recovered* out) {
  wal::Env* env = options.env ? options.env : wal::Env::Default();
  if (!env->Exists(dir)) return absl::NotFoundError(dir + ": no database here");
  std::unique_ptr<Store> store(new Store(env, dir, options));
  if (!options.read_only) {
    absl::StatusOr<std::unique_ptr<wal::FileLock>> lock =
        env->Lock(wal::JoinPath(dir, kLockName));
    if (!lock.ok()) return lock.status();
    store->lock_ = std::move(*lock);
    if (absl::Status s = RemoveCrashDebris(env, dir); !s.ok()) return s;
  }
  const auto start = Clock::now();
  CheckpointFile file;
  std::string name;
  if (absl::Status s = ReadCheckpointOf(env, dir, &file, &name); !s.ok()) return s;
  RecoveryInfo& info = out->info;
  info = RecoveryInfo();
  info.checkpoint = name;
  info.checkpoint_lsn = file.lsn;
  store->checkpoint_lsn_ = file.lsn;
  store->checkpoint_name_ = name;
  // Once the checkpoint file is read, another thread scans the log after
  // its LSN and folds the records, while this one verifies, decompresses
  // and loads the checkpoint (CPU work beside a read of the log: on two
  // cores the open costs the longer of the two). Then that thread decodes
  // the files the fold kept, one at a time, while this one applies them.
  // All I/O stays on one thread at a time: the checkpoint read, then the
  // scan, then (after ScanDone) OpenScanned's. The log is repaired
  // (OpenScanned) once the scan and the load have succeeded.
  MutationFold replayed;
  uint64_t replayed_records = 0;
  ReplayHandoff handoff;
  wal::RecordVisitor apply = [&replayed, &replayed_records,
                              &handoff](const wal::RecordView& r) {
    if (replayed_records == 0) handoff.RecordSeen();
    if (absl::Status s = replayed.AddRecord(r); !s.ok())
      return BadRecord(r.lsn, s);
    ++replayed_records;
    AIM_KILL_POINT("recovery.replay");
    return absl::OkStatus();
  };
  const std::string wal_dir = wal::JoinPath(dir, kWalDir);
  const auto replay_start = Clock::now();
  absl::StatusOr<wal::LogScan> scanned = absl::UnknownError("not scanned");
  std::optional<std::string> replayed_root;  // read once Pop says done
  const uint64_t after = file.lsn;
  std::thread scanner([&] {
    scanned = wal::ScanLog(env, wal_dir, options.log.recovery, after, apply);
    if (!scanned.ok()) return handoff.Finish(absl::OkStatus());
    handoff.ScanDone();
    // Decoding waits for the load, which would otherwise share the two
    // cores three ways; then it runs beside the applying.
    handoff.WaitLoaded();
    MutationFold::Parts parts;
    auto push = [&handoff](ReplayHandoff::Part part) {
      if (handoff.cancelled()) return absl::CancelledError("not applied");
      handoff.Push(std::move(part));
      return absl::OkStatus();
    };
    parts.root = [&](std::string root) {
      replayed_root = std::move(root);  // read once Pop says done
      return absl::OkStatus();
    };
    parts.removed = [&](std::string path) { return push(std::move(path)); };
    parts.upserted = [&](graph::FileInput f) { return push(std::move(f)); };
    handoff.Finish(replayed.Drain(parts));
  });
  CheckpointData data;
  absl::StatusOr<std::unique_ptr<graph::Graph>> loaded =
      absl::UnknownError("not loaded");
  {
    absl::StatusOr<CheckpointData> decoded = DecodeRead(file);
    file = CheckpointFile();
    if (decoded.ok()) {
      data = std::move(*decoded);
      info.checkpoint_files = data.files.size();
      // A read-only open with nothing to replay never changes the graph:
      // it loads what queries read, not the resolution state.
      const bool queries_only = options.read_only && !handoff.HasRecords();
      loaded = BuildGraph(data, name, RunAtOnce,
                          queries_only ? graph::Graph::ImageParts::kQueries
                                       : graph::Graph::ImageParts::kAll);
    } else {
      loaded = decoded.status();
    }
  }
  info.load_ms = MsSince(start);
  handoff.Loaded();
  // Every return below joins the scanner first.
  auto stop = [&](absl::Status s) {
    handoff.Cancel();
    scanner.join();
    return s;
  };
  handoff.WaitScanned();
  if (!loaded.ok()) return stop(loaded.status());
  if (!scanned.ok()) return stop(scanned.status());
  info.replayed = replayed_records;
  out->graph = std::move(*loaded);
  out->root = std::move(data.root);
  graph::Graph& g = *out->graph;
  if (g.file_count() > 0) info.checkpoint_files = g.file_count();
  data.ReleaseImage();
  // (A query-only graph has nothing to replay: see above.)
  const bool replay = !g.query_only();
  if (replay) g.BeginBatch();

  wal::LogScan scan = std::move(*scanned);
  if (!options.read_only) {
    wal::OpenReport report;
    absl::StatusOr<std::unique_ptr<wal::Log>> log =
        wal::Log::OpenScanned(env, wal_dir, options.log, data.lsn, scan, &report);
    if (!log.ok()) return stop(log.status());
    store->log_ = std::move(*log);
    info.salvaged = std::move(report.moved);
  }
  // As ApplyMutation applies the fold's result: removals, then upserts.
  for (ReplayHandoff::Part part; handoff.Pop(&part);) {
    if (const std::string* removed = std::get_if<std::string>(&part)) {
      g.RemoveFile(*removed);
    } else {
      g.UpsertFile(std::get<graph::FileInput>(part));
    }
  }
  scanner.join();
  if (absl::Status s = handoff.status(); !s.ok()) return WalError(s);
  if (replayed_root) out->root = std::move(*replayed_root);
  if (replay) g.EndBatch();
  info.torn_tail = scan.torn;
  info.torn_why = scan.torn_why;
  if (scan.cut) info.salvage_why = scan.cut_why;
  // What the graph holds: the checkpoint plus the records replayed.
  out->lsn = std::max(data.lsn, scan.last_lsn);
  info.lsn = out->lsn;
  info.replay_ms = MsSince(replay_start);
  return store;
}

absl::StatusOr<uint64_t> Store::Append(std::span<const Mutation> mutations) {
  if (!log_) return absl::FailedPreconditionError("the database is open read-only");
  std::vector<std::string> encoded(mutations.size());
  std::vector<std::string_view> views, keys;
  views.reserve(mutations.size());
  keys.reserve(mutations.size());
  for (size_t i = 0; i < mutations.size(); ++i) {
    EncodeMutation(mutations[i], &encoded[i]);
    views.push_back(encoded[i]);
    // A save is keyed with its path, so that replay can tell which saves a
    // later one replaces without unpacking them (MutationFold::AddRecord).
    std::string_view key = MutationKey(mutations[i]);
    keys.push_back(key.size() <= wal::kMaxKeyLength ? key : std::string_view());
  }
  return log_->Append(views, keys);
}

absl::Status Store::Publish(const CheckpointData& data) {
  const std::string name = CheckpointFileName(data.lsn);
  AIM_KILL_POINT("checkpoint.write");
  if (absl::Status s = WriteCheckpoint(env_, wal::JoinPath(dir_, name), data);
      !s.ok())
    return s;
  AIM_KILL_POINT("checkpoint.before_manifest");
  if (absl::Status s = WriteManifest(env_, dir_, {data.lsn, name}); !s.ok())
    return s;
  AIM_KILL_POINT("checkpoint.before_drop");
  checkpoint_lsn_ = data.lsn;
  checkpoint_name_ = name;
  // From here on the new checkpoint is the truth; what follows only frees
  // space, and a crash or failure part-way leaves a database that opens.
  if (log_)
    if (absl::Status s = log_->DropThrough(data.lsn); !s.ok()) return s;
  absl::StatusOr<std::vector<std::string>> names = env_->ListDir(dir_);
  if (!names.ok()) return names.status();
  bool removed = false;
  for (const std::string& n : *names) {
    uint64_t lsn;
    const bool old_checkpoint = (ParseCheckpointFileName(n, &lsn) && n != name) ||
                                n == kLegacyCheckpoint;
    if (!old_checkpoint) continue;
    AIM_KILL_POINT("checkpoint.remove_old");
    if (absl::Status s = env_->Remove(wal::JoinPath(dir_, n)); !s.ok()) return s;
    removed = true;
  }
  if (removed) return env_->SyncDir(dir_);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Store::CheckpointAsNewVersion(CheckpointData data) {
  if (!log_) return absl::FailedPreconditionError("the database is open read-only");
  std::lock_guard lock(checkpoint_mu_);
  if (absl::Status s = log_->Sync(); !s.ok()) return s;
  const uint64_t lsn = log_->stats().last_lsn + 1;
  data.lsn = lsn;
  // Published first: had the LSN been skipped first and the publication
  // failed, the log would have a gap nothing covers.
  if (absl::Status s = Publish(data); !s.ok()) return s;
  if (absl::Status s = log_->SkipTo(lsn); !s.ok()) return s;
  return lsn;
}

absl::StatusOr<uint64_t> Store::Compact() {
  if (!log_) return absl::FailedPreconditionError("the database is open read-only");
  std::lock_guard lock(checkpoint_mu_);
  if (absl::Status s = log_->Sync(); !s.ok()) return s;
  const uint64_t through = log_->stats().durable_lsn;
  if (through <= checkpoint_lsn_) return checkpoint_lsn_;
  CheckpointData base;
  std::string name;
  if (absl::Status s = LoadCheckpoint(env_, dir_, &base, &name); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<graph::Graph>> g = BuildGraph(base, name);
  if (!g.ok()) return g.status();
  std::string root = std::move(base.root);
  const uint64_t base_lsn = base.lsn;
  base = CheckpointData();
  const absl::Status stop = absl::CancelledError("compaction reached its LSN");
  (*g)->BeginBatch();
  MutationFold folded;
  wal::RecordVisitor fold = [&](const wal::RecordView& r) {
    if (absl::Status s = folded.AddRecord(r); !s.ok())
      return BadRecord(r.lsn, s);
    return r.lsn >= through ? stop : absl::OkStatus();
  };
  // Records up to `through` were all written before this scan began, so
  // appends running meanwhile cannot confuse it: it stops at `through`.
  absl::StatusOr<wal::LogScan> scan =
      wal::ScanLog(env_, wal::JoinPath(dir_, kWalDir),
                   wal::RecoveryMode::kPointInTime, base_lsn, fold);
  if (!scan.ok() && scan.status() != stop) return scan.status();
  absl::StatusOr<Mutation> all = folded.Take();
  if (!all.ok()) return WalError(all.status());
  ApplyMutation(*all, **g, &root);
  (*g)->EndBatch();
  CheckpointData data;
  data.lsn = through;
  data.root = std::move(root);
  data.created_unix_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  data.graph = g->get();  // its image is streamed into the checkpoint
  if (absl::Status s = Publish(data); !s.ok()) return s;
  return through;
}

wal::LogStats Store::log_stats() const {
  return log_ ? log_->stats() : wal::LogStats();
}

absl::Status Store::health() const {
  return log_ ? log_->health() : absl::OkStatus();
}

uint64_t Store::checkpoint_lsn() const {
  std::lock_guard lock(checkpoint_mu_);
  return checkpoint_lsn_;
}

absl::StatusOr<CheckReport> CheckDatabase(wal::Env* env, const std::string& dir) {
  if (env == nullptr) env = wal::Env::Default();
  if (!env->Exists(dir)) return absl::NotFoundError(dir + ": no database here");
  CheckReport report;
  CheckpointData data;
  if (absl::Status s = LoadCheckpoint(env, dir, &data, &report.checkpoint);
      !s.ok())
    return s;
  report.checkpoint_lsn = data.lsn;
  report.checkpoint_files = data.files.size();
  if (data.has_image()) {
    absl::StatusOr<std::unique_ptr<graph::Graph>> g =
        graph::Graph::LoadImage(data.image());
    if (!g.ok())
      return absl::Status(g.status().code(), "checkpoint " + report.checkpoint +
                                                 ": " +
                                                 std::string(g.status().message()));
    report.checkpoint_files = (*g)->file_count();
  }
  data.files = {};
  data.ReleaseImage();
  // Every record is unpacked and decoded, and a keyed one must be the save
  // its key names (replay trusts the key to skip the saves replaced).
  std::string payload;
  wal::RecordVisitor verify = [&](const wal::RecordView& r) {
    if (absl::Status s = wal::UnpackPayload(r.body, &payload); !s.ok())
      return BadRecord(r.lsn, s);
    absl::StatusOr<Mutation> m = DecodeMutation(payload);
    if (!m.ok()) return BadRecord(r.lsn, m.status());
    if (!r.key.empty() && MutationKey(*m) != r.key)
      return BadRecord(r.lsn, absl::DataLossError(
                                  "it is keyed with " + std::string(r.key) +
                                  " but is not one save of that file"));
    return absl::OkStatus();
  };
  absl::StatusOr<wal::LogScan> scan =
      wal::ScanLog(env, wal::JoinPath(dir, kWalDir),
                   wal::RecoveryMode::kPointInTime, data.lsn, verify);
  if (!scan.ok()) return scan.status();
  report.segments = scan->segments.size();
  report.records = scan->records;
  report.record_bytes = scan->bytes;
  report.first_lsn = scan->first_lsn;
  report.last_lsn = scan->last_lsn;
  report.torn_tail = scan->torn;
  report.torn_why = scan->torn_why;
  return report;
}

}  // namespace aim::recovery
