#include "wal/log.h"

#include <zstd.h>

#include <cstring>
#include <random>

#include "wal/format.h"
#include "wal/kill_point.h"

namespace aim::wal {

struct Log::Writer {
  std::vector<std::string> packed;  // payloads as they go on disk
  std::vector<uint32_t> raw_length;
  std::vector<uint8_t> flags;
  bool sync_only = false;  // Sync(): no records, force a sync
  uint64_t first_lsn = 0, last_lsn = 0;
  // What the writer waits for, under its own mutex (a finished group's
  // callers each wake on theirs, not all on the log's): kDone with
  // `status`, or kLead (it is now at the front of the queue).
  enum State { kWaiting, kDone, kLead };
  std::mutex m;
  std::condition_variable cv;
  State state = kWaiting;
  absl::Status status;

  // Tells the waiting writer; under its mutex, so that it cannot return
  // (and go) before this is done with it.
  void Tell(State s, const absl::Status& st = absl::OkStatus()) {
    std::lock_guard lock(m);
    status = st;
    state = s;
    cv.notify_one();
  }
  State Wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [this] { return state != kWaiting; });
    return state;
  }
};

namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

uint64_t RandomNonZero() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t v;
  do v = rng(); while (v == 0);
  return v;
}

}  // namespace

Log::Log(Env* env, std::string dir, LogOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {}

Log::~Log() {
  Sync().IgnoreError();  // a failure is in health(); nothing else to do here
  std::lock_guard lock(write_mu_);
  if (file_) file_->Close().IgnoreError();
}

absl::StatusOr<std::unique_ptr<Log>> Log::Open(Env* env, const std::string& dir,
                                               const LogOptions& options,
                                               uint64_t after_lsn,
                                               const RecordFn& fn,
                                               OpenReport* report) {
  if (options.segment_bytes < 4096)
    return absl::InvalidArgumentError("WAL segment size must be >= 4096 bytes");
  if (absl::Status s = env->CreateDir(dir); !s.ok()) return s;
  absl::StatusOr<LogScan> scan = ScanLog(env, dir, options.recovery, after_lsn, fn);
  if (!scan.ok()) return scan.status();
  return OpenScanned(env, dir, options, after_lsn, *scan, report);
}

absl::StatusOr<std::unique_ptr<Log>> Log::OpenScanned(
    Env* env, const std::string& dir, const LogOptions& options,
    uint64_t after_lsn, const LogScan& scan, OpenReport* report) {
  if (options.segment_bytes < 4096)
    return absl::InvalidArgumentError("WAL segment size must be >= 4096 bytes");
  if (absl::Status s = env->CreateDir(dir); !s.ok()) return s;
  OpenReport local;
  if (report == nullptr) report = &local;
  report->scan = scan;
  std::unique_ptr<Log> log(new Log(env, dir, options));
  if (absl::Status s = log->Prepare(scan, after_lsn, report); !s.ok()) return s;
  return log;
}

absl::Status Log::Prepare(const LogScan& scan, uint64_t after_lsn,
                          OpenReport* report) {
  bool dir_changed = false;
  for (const std::string& path : scan.stray_files) {
    if (absl::Status s = env_->Remove(path); !s.ok()) return s;
    report->removed.push_back(path);
    dir_changed = true;
  }
  if (scan.cut) {
    const std::string lost = JoinPath(dir_, "lost");
    if (absl::Status s = env_->CreateDir(lost); !s.ok()) return s;
    if (scan.cut_offset != 0) {
      // Keep a copy of the damaged rest of the cut segment.
      const SegmentState& seg = scan.segments[scan.cut_segment];
      std::string bytes;
      if (absl::Status s = env_->ReadFile(seg.path, &bytes); !s.ok()) return s;
      const std::string name = seg.path.substr(seg.path.rfind('/') + 1);
      const std::string copy =
          JoinPath(lost, name + ".from-" + std::to_string(scan.cut_offset));
      if (absl::Status s = env_->WriteFileAtomically(
              copy, std::string_view(bytes).substr(scan.cut_offset));
          !s.ok())
        return s;
      report->moved.push_back(copy);
    }
    for (const std::string& path : scan.dropped_files) {
      const std::string to = JoinPath(lost, path.substr(path.rfind('/') + 1));
      if (absl::Status s = env_->Rename(path, to); !s.ok()) return s;
      report->moved.push_back(to);
    }
    if (absl::Status s = env_->SyncDir(lost); !s.ok()) return s;
    dir_changed = true;
  }
  if (dir_changed)
    if (absl::Status s = env_->SyncDir(dir_); !s.ok()) return s;

  for (const SegmentState& s : scan.segments)
    segments_.push_back({s.path, s.header.number, s.header.first_lsn,
                         s.last_lsn, s.end, s.header.salt});
  log_id_ = scan.log_id != 0 ? scan.log_id : RandomNonZero();
  next_lsn_ = std::max(scan.last_lsn, after_lsn) + 1;
  stats_.last_lsn = stats_.durable_lsn = next_lsn_ - 1;
  if (segments_.empty()) {
    roll_next_ = true;
    return absl::OkStatus();
  }
  Segment& last = segments_.back();
  absl::StatusOr<std::unique_ptr<WritableFile>> f =
      env_->OpenWritable(last.path, /*truncate=*/false);
  if (!f.ok()) return f.status();
  file_ = std::move(*f);
  // Zero whatever follows the last valid record (torn tail, salvaged rest).
  uint64_t zero_end = 0;
  if (scan.torn) zero_end = scan.tail_end;
  if (scan.cut && scan.cut_segment + 1 == scan.segments.size())
    zero_end = scan.segments.back().file_size;
  if (zero_end > last.end) {
    if (absl::Status s =
            file_->WriteAt(last.end, std::string(zero_end - last.end, '\0'));
        !s.ok())
      return s;
    report->zeroed_tail = true;
    AIM_KILL_POINT("wal.open.repair");
  }
  if (absl::Status s = file_->Sync(); !s.ok()) return s;
  // A segment of an older version cannot take this build's records.
  roll_next_ = last.last_lsn + 1 != next_lsn_ ||
               scan.segments.back().header.version < kSegmentVersion;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Log::Append(std::string_view payload) {
  return Append(std::span<const std::string_view>(&payload, 1));
}

absl::StatusOr<uint64_t> Log::Append(std::span<const std::string_view> payloads,
                                     std::span<const std::string_view> keys) {
  if (!keys.empty() && keys.size() != payloads.size())
    return absl::InvalidArgumentError("WAL append: " +
                                      std::to_string(keys.size()) +
                                      " keys for " +
                                      std::to_string(payloads.size()) +
                                      " payloads");
  for (std::string_view k : keys)
    if (k.size() > kMaxKeyLength)
      return absl::InvalidArgumentError(
          "WAL record key of " + std::to_string(k.size()) +
          " bytes exceeds the limit of " + std::to_string(kMaxKeyLength));
  if (payloads.empty()) {
    std::lock_guard lock(mu_);
    if (!health_.ok()) return health_;
    return next_lsn_ - 1;
  }
  active_.fetch_add(1);
  Writer w;
  static thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  for (size_t i = 0; i < payloads.size(); ++i) {
    const std::string_view p = payloads[i];
    const std::string_view key = keys.empty() ? std::string_view() : keys[i];
    // [key length, key] when keyed, then the body.
    const size_t head = key.empty() ? 0 : kKeyLengthSize + key.size();
    if (p.size() > kMaxRecordPayload - head) {
      active_.fetch_sub(1);
      return absl::InvalidArgumentError(
          "WAL record of " + std::to_string(head + p.size()) +
          " bytes exceeds the limit of " + std::to_string(kMaxRecordPayload));
    }
    std::string packed(head + ZSTD_compressBound(p.size()), '\0');
    if (head) {
      packed[0] = static_cast<char>(key.size());
      packed[1] = static_cast<char>(key.size() >> 8);
      std::memcpy(packed.data() + kKeyLengthSize, key.data(), key.size());
    }
    const uint8_t keyed = head ? kFlagKeyed : 0;
    size_t n = cctx ? ZSTD_compressCCtx(cctx.get(), packed.data() + head,
                                        packed.size() - head, p.data(),
                                        p.size(), options_.zstd_level)
                    : 0;
    if (cctx && !ZSTD_isError(n) && n < p.size()) {
      packed.resize(head + n);
      w.flags.push_back(kFlagZstd | keyed);
    } else {
      packed.resize(head);  // incompressible (or no context): stored as is
      packed.append(p);
      w.flags.push_back(keyed);
    }
    w.packed.push_back(std::move(packed));
    w.raw_length.push_back(static_cast<uint32_t>(p.size()));
  }
  absl::StatusOr<uint64_t> r = Commit(w);
  active_.fetch_sub(1);
  return r;
}

absl::Status Log::Sync() {
  Writer w;
  w.sync_only = true;
  absl::StatusOr<uint64_t> r = Commit(w);
  return r.status();
}

absl::StatusOr<uint64_t> Log::Commit(Writer& w) {
  std::unique_lock lock(mu_);
  if (!health_.ok()) return health_;
  const uint64_t n = w.packed.size();
  w.first_lsn = next_lsn_;
  w.last_lsn = next_lsn_ + n - 1;
  next_lsn_ += n;
  stats_.last_lsn = next_lsn_ - 1;
  queue_.push_back(&w);
  if (queue_.front() != &w) {
    // A leader waiting for the callers inside Append to join is woken once,
    // by the last of them (or by its window's end), not by each arrival.
    if (leader_waiting_ && static_cast<int>(queue_.size()) >= active_.load())
      leader_cv_.notify_one();
    lock.unlock();
    if (w.Wait() == Writer::kDone)
      return w.status.ok() ? absl::StatusOr<uint64_t>(w.last_lsn)
                           : absl::StatusOr<uint64_t>(w.status);
    lock.lock();  // kLead: the previous group is done, this one is ours
  }
  // This writer leads a group.
  const Durability mode = options_.durability;
  if (mode == Durability::kBatch && options_.batch_window.count() > 0 &&
      !w.sync_only) {
    const auto deadline = std::chrono::steady_clock::now() + options_.batch_window;
    leader_waiting_ = true;
    while (static_cast<int>(queue_.size()) < active_.load() &&
           leader_cv_.wait_until(lock, deadline) != std::cv_status::timeout) {
    }
    leader_waiting_ = false;
  }
  std::vector<Writer*> group;
  bool sync = mode != Durability::kNone;
  for (Writer* x : queue_) {
    if (mode == Durability::kSync && !group.empty()) break;
    group.push_back(x);
    sync |= x->sync_only;
  }
  absl::Status status = health_;
  if (status.ok()) {
    lock.unlock();
    {
      std::lock_guard write_lock(write_mu_);
      status = WriteGroup(group, sync);
    }
    // Written (and synced, per the mode), not yet acknowledged.
    if (status.ok()) AIM_KILL_POINT("wal.before_ack");
    lock.lock();
    if (!status.ok()) status = Fail(status);
  }
  for (size_t i = 0; i < group.size(); ++i) queue_.pop_front();
  Writer* next = queue_.empty() ? nullptr : queue_.front();
  lock.unlock();
  // The group's callers, then the next group's leader, each on its own
  // mutex (a caller may return, and its Writer go, as soon as it is told).
  for (Writer* x : group)
    if (x != &w) x->Tell(Writer::kDone, status);
  if (next != nullptr) next->Tell(Writer::kLead);
  if (!status.ok()) return status;
  return w.last_lsn;
}

// Caller holds mu_.
absl::Status Log::Fail(absl::Status s) {
  if (health_.ok())
    health_ = absl::Status(
        s.code(), "the write-ahead log stopped accepting writes after: " +
                      std::string(s.message()) +
                      " (nothing after the last acknowledged record was "
                      "acknowledged; reopen the database to continue)");
  return health_;
}

absl::Status Log::WriteGroup(const std::vector<Writer*>& group, bool sync) {
  std::string buf;
  uint64_t synced_through;
  {
    std::lock_guard lock(mu_);
    synced_through = stats_.durable_lsn;
  }
  uint64_t records = 0, bytes = 0, syncs = 0, last_lsn = 0, sync_micros = 0;
  auto timed_sync = [&]() -> absl::Status {
    const auto t = std::chrono::steady_clock::now();
    absl::Status s = file_->Sync();
    sync_micros += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - t)
            .count());
    ++syncs;
    return s;
  };
  auto flush = [&]() -> absl::Status {
    if (buf.empty()) return absl::OkStatus();
    Segment& seg = segments_.back();
    AIM_KILL_POINT("wal.before_write");
    if (absl::Status s = file_->WriteAt(seg.end, buf); !s.ok()) return s;
    AIM_KILL_POINT("wal.after_write");
    seg.end += buf.size();
    bytes += buf.size();
    buf.clear();
    return absl::OkStatus();
  };
  for (Writer* w : group) {
    for (size_t i = 0; i < w->packed.size(); ++i) {
      const uint64_t lsn = w->first_lsn + i;
      const std::string& packed = w->packed[i];
      const uint64_t size = AlignUp(kRecordHeaderSize + packed.size());
      const bool full = !segments_.empty() &&
                        segments_.back().end + buf.size() + size >
                            options_.segment_bytes &&
                        segments_.back().last_lsn >= segments_.back().first_lsn;
      if (roll_next_ || segments_.empty() || full) {
        if (absl::Status s = flush(); !s.ok()) return s;
        if (!segments_.empty()) {
          // Sync the old segment first: only the last may have a torn tail.
          AIM_KILL_POINT("wal.roll.sync_old");
          if (absl::Status s = timed_sync(); !s.ok()) return s;
          synced_through = lsn - 1;
        }
        if (absl::Status s = Roll(lsn); !s.ok()) return s;
      }
      RecordHeader h;
      h.length = static_cast<uint32_t>(packed.size());
      h.lsn = lsn;
      h.synced_through = synced_through;
      h.raw_length = w->raw_length[i];
      h.type = kTypeData;
      h.flags = w->flags[i];
      const size_t at = buf.size();
      buf.resize(at + size, '\0');
      char* p = buf.data() + at;
      EncodeRecordHeader(h, p);
      std::memcpy(p + kRecordHeaderSize, packed.data(), packed.size());
      h.crc = RecordCrc(segments_.back().salt, p, packed);
      EncodeFixed32(p + kRecOffCrc, h.crc);
      segments_.back().last_lsn = lsn;
      last_lsn = lsn;
      ++records;
    }
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  if (sync && file_ != nullptr) {
    AIM_KILL_POINT("wal.before_sync");
    if (absl::Status s = timed_sync(); !s.ok()) return s;
    AIM_KILL_POINT("wal.after_sync");
  }
  std::lock_guard lock(mu_);
  stats_.records += records;
  stats_.bytes += bytes;
  stats_.syncs += syncs;
  stats_.sync_micros += sync_micros;
  ++stats_.groups;
  if (sync && last_lsn != 0) stats_.durable_lsn = last_lsn;
  if (sync && last_lsn == 0) stats_.durable_lsn = group.front()->first_lsn - 1;
  return absl::OkStatus();
}

absl::Status Log::Roll(uint64_t first_lsn) {
  SegmentHeader h;
  h.number = segments_.empty() ? 1 : segments_.back().number + 1;
  h.first_lsn = first_lsn;
  h.salt = RandomNonZero();
  h.log_id = log_id_;
  const std::string path = JoinPath(dir_, SegmentFileName(h.number));
  const std::string tmp = path + ".tmp";
  AIM_KILL_POINT("wal.roll.create");
  absl::StatusOr<std::unique_ptr<WritableFile>> f = env_->OpenWritable(tmp, true);
  if (!f.ok()) return f.status();
  auto cleanup = [&](absl::Status s) {
    (*f)->Close().IgnoreError();
    env_->Remove(tmp).IgnoreError();  // best effort; the next Open removes it
    return s;
  };
  if (absl::Status s = (*f)->WriteAt(0, EncodeSegmentHeader(h)); !s.ok())
    return cleanup(s);
  if (absl::Status s = (*f)->Allocate(options_.segment_bytes); !s.ok())
    return cleanup(s);
  AIM_KILL_POINT("wal.roll.sync_new");
  if (absl::Status s = (*f)->Sync(); !s.ok()) return cleanup(s);
  AIM_KILL_POINT("wal.roll.rename");
  if (absl::Status s = env_->Rename(tmp, path); !s.ok()) return cleanup(s);
  AIM_KILL_POINT("wal.roll.sync_dir");
  if (absl::Status s = env_->SyncDir(dir_); !s.ok()) return s;
  if (file_) file_->Close().IgnoreError();  // synced above; close is moot
  file_ = std::move(*f);
  segments_.push_back({path, h.number, first_lsn, first_lsn - 1,
                       kSegmentHeaderSize, h.salt});
  roll_next_ = false;
  return absl::OkStatus();
}

absl::Status Log::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

absl::Status Log::DropThrough(uint64_t lsn) {
  std::lock_guard write_lock(write_mu_);
  size_t drop = 0;
  while (drop + 1 < segments_.size() && segments_[drop].last_lsn <= lsn) ++drop;
  if (drop == 0) return absl::OkStatus();
  for (size_t i = 0; i < drop; ++i) {
    AIM_KILL_POINT("wal.drop.remove");
    if (absl::Status s = env_->Remove(segments_[i].path); !s.ok()) {
      segments_.erase(segments_.begin(), segments_.begin() + i);
      return s;
    }
  }
  segments_.erase(segments_.begin(), segments_.begin() + drop);
  AIM_KILL_POINT("wal.drop.sync_dir");
  return env_->SyncDir(dir_);
}

absl::Status Log::SkipTo(uint64_t lsn) {
  std::lock_guard write_lock(write_mu_);
  std::lock_guard lock(mu_);
  if (!health_.ok()) return health_;
  if (!queue_.empty())
    return absl::FailedPreconditionError("WAL SkipTo while appends are in flight");
  if (lsn + 1 <= next_lsn_) return absl::OkStatus();
  next_lsn_ = lsn + 1;
  stats_.last_lsn = stats_.durable_lsn = lsn;
  roll_next_ = true;
  return absl::OkStatus();
}

LogStats Log::stats() const {
  LogStats s;
  {
    std::lock_guard lock(mu_);
    s = stats_;
  }
  std::lock_guard write_lock(write_mu_);
  s.segments = segments_.size();
  for (const Segment& seg : segments_) s.live_bytes += seg.end - kSegmentHeaderSize;
  return s;
}

}  // namespace aim::wal
