#include "actors/engine_impl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "actors/workspace.h"
#include "aim/extract.h"
#include "engine/graph/layout.h"
#include "recovery/checkpoint.h"

namespace aim {

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  if (options.threads < 1)
    return absl::InvalidArgumentError("Options::threads must be at least 1");
  if (!options.db_dir.empty()) {
    std::error_code ec;
    namespace fs = std::filesystem;
    if (fs::exists(options.db_dir, ec)) {
      if (!fs::is_directory(options.db_dir, ec))
        return absl::FailedPreconditionError(
            absl::StrCat(options.db_dir, ": exists and is not a directory"));
    } else if (options.read_only) {
      return absl::NotFoundError(
          absl::StrCat(options.db_dir, ": no database here (run `aim ingest`)"));
    } else if (!fs::create_directories(options.db_dir, ec)) {
      return absl::PermissionDeniedError(absl::StrCat(
          options.db_dir, ": cannot create directory: ", ec.message()));
    }
  }
  auto engine = std::make_unique<host::EngineImpl>(options);
  if (absl::Status s = engine->Load(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

namespace host {
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

}  // namespace

EngineImpl::EngineImpl(Options options)
    : options_(std::move(options)), graph_(std::make_unique<graph::Graph>()) {}

std::string EngineImpl::CheckpointPath() const {
  return (fs::path(options_.db_dir) / "checkpoint.aim").string();
}

absl::Status EngineImpl::Load() {
  if (options_.db_dir.empty()) return absl::OkStatus();
  std::error_code ec;
  if (!fs::exists(CheckpointPath(), ec)) return absl::OkStatus();
  absl::StatusOr<recovery::CheckpointData> data =
      recovery::ReadCheckpoint(CheckpointPath());
  if (!data.ok()) return data.status();
  auto g = std::make_unique<graph::Graph>();
  g->BeginBatch();
  for (auto& f : data->files) g->UpsertFile(std::move(f));
  g->EndBatch();
  std::unique_lock lock(mu_);
  graph_ = std::move(g);
  index_.reset();
  version_ = data->lsn;
  root_ = data->root;
  return absl::OkStatus();
}

absl::StatusOr<IngestReport> EngineImpl::Ingest(
    const std::string& path,
    std::function<void(const IngestProgress&)> progress) {
  if (options_.read_only)
    return absl::FailedPreconditionError("the engine was opened read-only");
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

  // Workers read and extract files in order; this thread adds each file to
  // the graph as soon as it is ready (a pipeline), and reports progress.
  std::vector<std::string> problems(work.size());
  std::vector<char> skip(work.size(), 0);
  std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[work.size()]);
  for (size_t i = 0; i < work.size(); ++i) ready[i] = false;
  std::atomic<size_t> next{0}, done{0};
  std::atomic<uint64_t> lines{0}, bytes{0};
  std::mutex ready_mu;
  std::condition_variable ready_cv;
  auto extract_one = [&](size_t i, std::string& error) {
    Pending& p = work[i];
    if (!p.abs_path.empty() && !ReadAll(p.abs_path, p.bytes, error)) {
      problems[i] = absl::StrCat(p.input.path, ": cannot read: ", error);
      skip[i] = 1;
    } else {
      p.input.facts = ExtractFacts(p.input.path, p.bytes);
      for (const Diagnostic& d : p.input.facts.errors) {
        if (d.message == "invalid UTF-8") skip[i] = 1;
        if (!problems[i].empty()) problems[i] += "\n";
        absl::StrAppend(&problems[i], p.input.path, ":", d.line, ":", d.col,
                        ": ", d.message);
      }
      if (skip[i]) absl::StrAppend(&problems[i], " (file skipped)");
      lines += p.input.facts.lines;
      bytes += p.bytes.size();
      std::string().swap(p.bytes);
    }
    ++done;
    {
      std::lock_guard lock(ready_mu);
      ready[i] = true;
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

  auto g = std::make_unique<graph::Graph>();
  recovery::CheckpointData data;
  data.root = root;
  auto last_progress = Clock::now();
  g->BeginBatch();
  for (size_t i = 0; i < work.size(); ++i) {
    if (!ready[i]) {
      std::unique_lock lock(ready_mu);
      while (!ready[i]) {
        ready_cv.wait_for(lock, std::chrono::milliseconds(100));
        if (progress && Clock::now() - last_progress > std::chrono::milliseconds(100)) {
          lock.unlock();
          progress({done.load(), work.size(), lines.load(), bytes.load()});
          last_progress = Clock::now();
          lock.lock();
        }
      }
    }
    if (progress && Clock::now() - last_progress > std::chrono::milliseconds(100)) {
      progress({done.load(), work.size(), lines.load(), bytes.load()});
      last_progress = Clock::now();
    }
    for (size_t a = 0, b; a < problems[i].size(); a = b + 1) {
      b = problems[i].find('\n', a);
      if (b == std::string::npos) b = problems[i].size();
      report.problems.push_back(problems[i].substr(a, b - a));
    }
    if (skip[i]) {
      ++report.skipped;
      continue;
    }
    report.syntax_errors += work[i].input.facts.errors.size();
    ++report.files;
    g->UpsertFile(work[i].input);
    if (!options_.db_dir.empty()) data.files.push_back(std::move(work[i].input));
  }
  for (auto& t : threads) t.join();
  if (progress) progress({done.load(), work.size(), lines.load(), bytes.load()});
  report.extract_ms = MsSince(start);
  const auto resolve_start = Clock::now();
  g->EndBatch();
  report.resolve_ms = MsSince(resolve_start);
  report.lines = lines;
  report.bytes = bytes;
  report.entities = g->entity_count();
  report.edges = g->edge_count();

  uint64_t version;
  {
    std::unique_lock lock(mu_);
    version = version_ + 1;
  }
  if (!options_.db_dir.empty()) {
    const auto persist_start = Clock::now();
    data.lsn = version;
    if (absl::Status s = recovery::WriteCheckpoint(CheckpointPath(), data);
        !s.ok())
      return s;
    report.persist_ms = MsSince(persist_start);
  }
  {
    std::unique_lock lock(mu_);
    graph_ = std::move(g);
  index_.reset();
    version_ = version;
    root_ = root;
  }
  report.total_ms = MsSince(start);
  return report;
}

absl::StatusOr<QueryResult> EngineImpl::Query(const QueryRequest& request) const {
  std::shared_lock lock(mu_);
  const query::SearchIndex* index = nullptr;
  if (options_.search_index) {
    std::lock_guard index_lock(index_mu_);
    if (!index_) index_ = std::make_unique<query::SearchIndex>(*graph_);
    index = index_.get();
  }
  absl::StatusOr<QueryResult> r = RunQuery(*graph_, index, request);
  if (r.ok()) r->version = version_;
  return r;
}

EngineStats EngineImpl::Stats() const {
  std::shared_lock lock(mu_);
  const graph::Graph& g = *graph_;
  EngineStats s;
  s.version = version_;
  s.files = g.file_count();
  s.entities = g.entity_count();
  s.edges = g.edge_count();
  s.memory_bytes = g.MemoryBytes();
  s.root = root_;
  size_t by_kind[model::kEntityKindCount] = {};
  size_t by_edge[model::kEdgeKindCount] = {};
  for (graph::EntityIdx e : g.LiveEntities()) {
    ++by_kind[static_cast<int>(g.entity(e).kind)];
    for (const graph::Edge& ed : g.out(e)) ++by_edge[static_cast<int>(ed.kind)];
  }
  for (int k = 0; k < model::kEntityKindCount; ++k)
    s.entities_by_kind.emplace_back(
        model::EntityKindName(static_cast<model::EntityKind>(k)), by_kind[k]);
  for (int k = 0; k < model::kEdgeKindCount; ++k)
    s.edges_by_kind.emplace_back(
        model::EdgeKindName(static_cast<model::EdgeKind>(k)), by_edge[k]);
  return s;
}

namespace {

std::vector<graph::EntityIdx> SortedEntities(const graph::Graph& g) {
  std::vector<graph::EntityIdx> v = g.LiveEntities();
  std::sort(v.begin(), v.end(), [&](graph::EntityIdx a, graph::EntityIdx b) {
    const auto& ea = g.entity(a);
    const auto& eb = g.entity(b);
    int c = g.str(ea.qualified).compare(g.str(eb.qualified));
    return c != 0 ? c < 0 : ea.id < eb.id;
  });
  return v;
}

}  // namespace

void EngineImpl::ForEachEntity(
    const std::function<void(const EntityInfo&)>& fn) const {
  std::shared_lock lock(mu_);
  for (graph::EntityIdx e : SortedEntities(*graph_))
    fn(ToEntityInfo(*graph_, e));
}

void EngineImpl::ForEachEdge(
    const std::function<void(const EdgeInfo&)>& fn) const {
  std::shared_lock lock(mu_);
  const graph::Graph& g = *graph_;
  for (graph::EntityIdx e : SortedEntities(g)) {
    std::vector<EdgeInfo> edges;
    for (const graph::Edge& ed : g.out(e)) edges.push_back(ToEdgeInfo(g, e, ed));
    std::sort(edges.begin(), edges.end(), [](const EdgeInfo& a, const EdgeInfo& b) {
      return std::tie(a.kind, a.to, a.file, a.line, a.confidence) <
             std::tie(b.kind, b.to, b.file, b.line, b.confidence);
    });
    for (const EdgeInfo& info : edges) fn(info);
  }
}

uint64_t EngineImpl::Digest() const {
  std::shared_lock lock(mu_);
  return graph_->Digest();
}

EntityInfo ToEntityInfo(const graph::Graph& g, graph::EntityIdx idx) {
  const graph::Entity& e = g.entity(idx);
  EntityInfo info;
  info.id = e.id;
  info.kind = std::string(model::EntityKindName(e.kind));
  info.name = std::string(g.str(e.name));
  info.qualified = std::string(g.str(e.qualified));
  info.file = std::string(g.str(e.file));
  info.line = e.line;
  info.end_line = e.end_line;
  info.sig = std::string(g.str(e.sig));
  info.vis = std::string(g.str(e.vis));
  info.in_macro = e.flags & graph::kInMacro;
  info.test = e.flags & graph::kTest;
  return info;
}

EdgeInfo ToEdgeInfo(const graph::Graph& g, graph::EntityIdx from,
                    const graph::Edge& edge) {
  EdgeInfo info;
  info.kind = std::string(model::EdgeKindName(edge.kind));
  info.from = g.entity(from).id;
  info.to = g.entity(edge.other).id;
  info.file = std::string(g.str(edge.file));
  info.line = edge.line;
  info.confidence = std::string(model::ConfidenceName(edge.confidence));
  info.in_macro = edge.flags & graph::kEdgeInMacro;
  info.derive = edge.flags & graph::kEdgeDerive;
  info.blanket = edge.flags & graph::kEdgeBlanket;
  return info;
}

}  // namespace host
}  // namespace aim
