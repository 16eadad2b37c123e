// Engine::Ingest: scan a tree (or split a text dump), read and extract its
// files on worker threads, and either build a fresh graph (an empty
// database: the state becomes a checkpoint) or turn the files whose content
// changed, and the files that vanished, into WAL records.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "actors/engine_impl.h"
#include "actors/workspace.h"
#include "aim/extract.h"
#include "engine/graph/layout.h"
#include "recovery/store.h"

namespace aim::host {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Pending {
  std::string abs_path;  // empty: bytes already in `bytes`
  std::string bytes;
  graph::FileInput input;
};

// Splits a text dump (`FILE: <path>` header lines) into files.
std::vector<Pending> SplitDump(const std::string& text,
                               const std::string& crate) {
  std::vector<Pending> out;
  std::istringstream in(text);
  std::string line;
  Pending* cur = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("FILE: ", 0) == 0) {
      std::string path = line.substr(6);
      while (!path.empty() && (path.back() == '\r' || path.back() == ' '))
        path.pop_back();
      out.emplace_back();
      cur = &out.back();
      cur->input.path = path;
      graph::FilePlace place = graph::PlaceFile(path, crate);
      cur->input.crate = place.crate;
      cur->input.module = place.module;
      continue;
    }
    if (cur) cur->bytes += line + "\n";
  }
  return out;
}

// Per-file outcome of the extraction pipeline.
enum class Fate : uint8_t { kPending, kIngest, kUnchanged, kSkip };

}  // namespace

bool ReadAll(const std::string& path, std::string& bytes, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return false;
  }
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {
    if (got == bytes.size()) bytes.resize(bytes.size() * 2 + 4096);
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return true;
}

absl::StatusOr<IngestReport> EngineImpl::Ingest(
    const std::string& path,
    std::function<void(const IngestProgress&)> progress) {
  std::lock_guard write_lock(write_mu_);
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  const auto start = Clock::now();
  IngestReport report;
  std::error_code ec;
  std::vector<Pending> work;
  std::string root;
  if (fs::is_regular_file(path, ec)) {
    std::string text, error;
    if (!ReadAll(path, text, error))
      return absl::NotFoundError(absl::StrCat(path, ": ", error));
    work = SplitDump(text, fs::path(path).stem().string());
    if (work.empty())
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not a directory, and no `FILE: <path>` lines in it"));
    root = fs::absolute(path, ec).string();
  } else {
    host::ScanOptions scan;
    if (!options_.db_dir.empty())
      scan.skip_abs = fs::weakly_canonical(options_.db_dir, ec).string();
    auto files = ScanWorkspace(path, scan);
    if (!files.ok()) return files.status();
    for (auto& f : *files) {
      Pending p;
      p.abs_path = std::move(f.abs_path);
      p.input = std::move(f.input);
      work.push_back(std::move(p));
    }
    root = fs::weakly_canonical(path, ec).string();
  }

  // An empty database gets a fresh graph and a checkpoint; otherwise only
  // what changed is logged.
  // (content hash, place hash) of each file held: a file whose content
  // and place (crate, module, what its crate may use) are both unchanged
  // is not ingested again.
  absl::flat_hash_map<std::string, std::pair<uint64_t, uint64_t>> old_hashes;
  bool incremental = false;
  {
    const graph::Graph& held = *state_.front().graph;  // we are the writer
    incremental = store_ != nullptr && held.file_count() > 0;
    if (incremental)
      for (auto& [p, h] : held.Files()) old_hashes[p] = {h, held.PlaceHash(p)};
  }

  // Workers read and extract files in order; this thread consumes each file
  // as soon as it is ready (a pipeline), and reports progress.
  std::vector<std::string> problems(work.size());
  std::unique_ptr<std::atomic<Fate>[]> fate(new std::atomic<Fate>[work.size()]);
  for (size_t i = 0; i < work.size(); ++i) fate[i] = Fate::kPending;
  std::atomic<size_t> next{0}, done{0};
  std::atomic<uint64_t> lines{0}, bytes{0};
  std::mutex ready_mu;
  std::condition_variable ready_cv;
  auto extract_one = [&](size_t i, std::string& error) {
    Pending& p = work[i];
    Fate f = Fate::kIngest;
    if (!p.abs_path.empty() && !ReadAll(p.abs_path, p.bytes, error)) {
      problems[i] = absl::StrCat(p.input.path, ": cannot read: ", error);
      f = Fate::kSkip;
    } else if (auto it = old_hashes.find(p.input.path);
               it != old_hashes.end() &&
               it->second.first == ContentHash(p.bytes) &&
               it->second.second == graph::Graph::PlaceHash(p.input)) {
      f = Fate::kUnchanged;
      bytes += p.bytes.size();
    } else {
      p.input.facts = ExtractFacts(p.input.path, p.bytes);
      for (const Diagnostic& d : p.input.facts.errors) {
        if (d.message == "invalid UTF-8") f = Fate::kSkip;
        if (!problems[i].empty()) problems[i] += "\n";
        absl::StrAppend(&problems[i], p.input.path, ":", d.line, ":", d.col,
                        ": ", d.message);
      }
      if (f == Fate::kSkip) absl::StrAppend(&problems[i], " (file skipped)");
      lines += p.input.facts.lines;
      bytes += p.bytes.size();
    }
    std::string().swap(p.bytes);
    ++done;
    {
      std::lock_guard lock(ready_mu);
      fate[i] = f;
    }
    ready_cv.notify_one();
  };
  auto worker = [&] {
    std::string error;
    for (size_t i = next++; i < work.size(); i = next++) extract_one(i, error);
  };
  const int n_threads =
      std::max(1, std::min<int>(options_.threads, static_cast<int>(work.size())));
  std::vector<std::thread> threads;
  for (int t = 0; t < n_threads; ++t) threads.emplace_back(worker);

  auto g = incremental ? nullptr : std::make_unique<graph::Graph>();
  recovery::CheckpointData data;
  data.root = root;
  std::vector<recovery::Mutation> mutations;
  absl::flat_hash_map<std::string, bool> seen;
  auto last_progress = Clock::now();
  auto report_progress = [&](bool force) {
    if (!progress) return;
    if (!force && Clock::now() - last_progress < std::chrono::milliseconds(100))
      return;
    progress({done.load(), work.size(), lines.load(), bytes.load()});
    last_progress = Clock::now();
  };
  if (g) g->BeginBatch();
  for (size_t i = 0; i < work.size(); ++i) {
    if (fate[i] == Fate::kPending) {
      std::unique_lock lock(ready_mu);
      while (fate[i] == Fate::kPending) {
        ready_cv.wait_for(lock, std::chrono::milliseconds(100));
        lock.unlock();
        report_progress(false);
        lock.lock();
      }
    }
    report_progress(false);
    for (size_t a = 0, b; a < problems[i].size(); a = b + 1) {
      b = problems[i].find('\n', a);
      if (b == std::string::npos) b = problems[i].size();
      report.problems.push_back(problems[i].substr(a, b - a));
    }
    seen[work[i].input.path] = true;
    if (fate[i] == Fate::kSkip) {
      ++report.skipped;
      continue;
    }
    if (fate[i] == Fate::kUnchanged) {
      ++report.unchanged;
      continue;
    }
    report.syntax_errors += work[i].input.facts.errors.size();
    ++report.files;
    if (g) {
      g->UpsertFile(work[i].input);
      // The graph keeps what it needs; the facts go now, not with `work`
      // (the whole tree's facts would otherwise stay until the end, and
      // fresh memory is what an ingest mostly waits on).
      work[i].input.facts = FileFacts();
    } else {
      mutations.emplace_back();
      mutations.back().upserts.push_back(std::move(work[i].input));
    }
  }
  for (auto& t : threads) t.join();
  report_progress(true);
  report.extract_ms = MsSince(start);
  report.lines = lines;
  report.bytes = bytes;

  if (g) {
    const auto resolve_start = Clock::now();
    g->EndBatch();
    report.resolve_ms = MsSince(resolve_start);
    uint64_t version = state_.front().version + 1;
    if (store_) {
      const auto persist_start = Clock::now();
      data.graph = g.get();  // its image is streamed into the checkpoint
      absl::StatusOr<uint64_t> lsn = store_->CheckpointAsNewVersion(std::move(data));
      if (!lsn.ok()) return lsn.status();
      version = *lsn;
      report.persist_ms = MsSince(persist_start);
    }
    report.entities = g->entity_count();
    report.edges = g->edge_count();
    report.version = version;
    auto replica = std::make_unique<Replica>();
    replica->graph = std::move(g);
    replica->graph->set_track_changes(true);
    replica->version = version;
    replica->root = root;
    PublishNew(std::move(replica));
  } else {
    // Files the database holds that are gone from the tree.
    recovery::Mutation removals;
    for (const auto& [p, h] : old_hashes)
      if (!seen.count(p)) removals.removals.push_back(p);
    std::sort(removals.removals.begin(), removals.removals.end());
    report.removed = removals.removals.size();
    if (!removals.removals.empty()) mutations.push_back(std::move(removals));
    const bool new_root = root != state_.front().root;
    if (new_root) {
      if (mutations.empty()) mutations.emplace_back();
      mutations.front().root = root;
    }
    if (!mutations.empty()) {
      const auto persist_start = Clock::now();
      absl::StatusOr<uint64_t> lsn = Commit(std::move(mutations));
      if (!lsn.ok()) return lsn.status();
      report.persist_ms = MsSince(persist_start);
    }
    const Replica& now = state_.front();
    report.entities = now.graph->entity_count();
    report.edges = now.graph->edge_count();
    report.version = now.version;
  }
  report.total_ms = MsSince(start);
  return report;
}

}  // namespace aim::host
