// Test helpers: an engine holding tests/fixtures/workspace, the queries the
// protocol and server tests send, and an Engine whose queries can be held.
#ifndef AIM_TESTS_ACTORS_ENGINE_FIXTURE_H_
#define AIM_TESTS_ACTORS_ENGINE_FIXTURE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aim/engine.h"

namespace aim::test_support {

inline const std::string kWorkspace =
    std::string(AIM_SOURCE_DIR) + "/tests/fixtures/workspace";

// An engine (in memory when db_dir is empty) that has ingested the
// workspace fixture; nullptr on failure.
inline std::unique_ptr<Engine> OpenIngestedEngine(const std::string& db_dir = "",
                                                  bool search_index = true) {
  Options o;
  o.db_dir = db_dir;
  o.search_index = search_index;
  auto e = Engine::Open(o);
  if (!e.ok()) return nullptr;
  if (!(*e)->Ingest(kWorkspace).ok()) return nullptr;
  return std::move(*e);
}

// One query of every kind, and the error cases (unknown name, ambiguous
// name, a name of the wrong kind).
inline std::vector<QueryRequest> SampleQueries() {
  std::vector<QueryRequest> q;
  q.push_back({.kind = "callers", .args = {"alpha_core::connect"}});
  q.push_back({.kind = "callees", .args = {"Stream::open"}, .depth = 2});
  q.push_back({.kind = "what-implements", .args = {"Transport"}});
  q.push_back({.kind = "blast-radius", .args = {"alpha_core::util::checksum"}});
  q.push_back({.kind = "blast-radius", .args = {"alpha_core::connect"},
               .direction = "down"});
  q.push_back({.kind = "uses", .args = {"alpha_core::connect"}});
  q.push_back({.kind = "used-by", .args = {"alpha_core::net::tcp::Stream"}});
  q.push_back({.kind = "cycles"});
  q.push_back({.kind = "cycles", .scope = "modules"});
  q.push_back({.kind = "path", .args = {"app::main", "alpha_core::util::checksum"}});
  q.push_back({.kind = "search", .args = {"Strea"}, .limit = 3});
  q.push_back({.kind = "context", .args = {"alpha_core::connect"}, .budget = 300});
  q.push_back({.kind = "callers", .args = {"conect"}});       // unknown
  q.push_back({.kind = "callers", .args = {"connect"}});      // ambiguous
  q.push_back({.kind = "what-implements", .args = {"alpha_core::connect"}});  // not a trait
  return q;
}

// Forwards to another engine; while closed, Query waits at the gate.
class GatedEngine : public Engine {
 public:
  explicit GatedEngine(Engine& inner) : inner_(inner) {}

  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> l(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // Waits until `n` queries in all have reached the gate.
  void WaitForArrivals(int n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return arrivals_ >= n; });
  }

  absl::StatusOr<QueryResult> Query(const QueryRequest& request) const override {
    {
      std::unique_lock<std::mutex> l(mu_);
      ++arrivals_;
      cv_.notify_all();
      cv_.wait(l, [&] { return open_; });
    }
    return inner_.Query(request);
  }
  EngineStats Stats() const override { return inner_.Stats(); }
  absl::StatusOr<IngestReport> Ingest(
      const std::string& path, std::function<void(const IngestProgress&)> p) override {
    return inner_.Ingest(path, std::move(p));
  }
  absl::StatusOr<uint64_t> UpdateFile(const std::string& path,
                                      std::string_view bytes) override {
    return inner_.UpdateFile(path, bytes);
  }
  absl::StatusOr<uint64_t> RemoveFile(const std::string& path) override {
    return inner_.RemoveFile(path);
  }
  absl::StatusOr<uint64_t> Checkpoint() override { return inner_.Checkpoint(); }
  absl::Status Watch(const std::string& dir, int debounce_ms) override {
    return inner_.Watch(dir, debounce_ms);
  }
  void StopWatching() override { inner_.StopWatching(); }
  void QueryAsync(QueryRequest request,
                  std::function<void(absl::StatusOr<QueryResult>)> done) const override {
    done(Query(request));
  }
  absl::Status WaitFor(uint64_t lsn, int64_t timeout_ms) const override {
    return inner_.WaitFor(lsn, timeout_ms);
  }
  void ForEachEntity(const std::function<void(const EntityInfo&)>& fn) const override {
    inner_.ForEachEntity(fn);
  }
  void ForEachEdge(const std::function<void(const EdgeInfo&)>& fn) const override {
    inner_.ForEachEdge(fn);
  }
  uint64_t Digest() const override { return inner_.Digest(); }

 private:
  Engine& inner_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable int arrivals_ = 0;
  bool open_ = true;
};

}  // namespace aim::test_support

#endif  // AIM_TESTS_ACTORS_ENGINE_FIXTURE_H_
