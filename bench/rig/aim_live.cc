// Query latency (idle and under an edit stream), save-to-query-ready and
// the actor round trip, all through the public Engine API.
#include <atomic>
#include <future>
#include <thread>

#include "bench/rig/rig.h"

namespace aim::bench::rig {

namespace {

// One query kind and the requests the rig asks of it.
struct KindRequests {
  std::string kind;
  std::vector<QueryRequest> requests;
};

std::vector<KindRequests> BuildRequests(const World& w) {
  const size_t n = w.options.query_samples;
  auto one = [&](const char* kind, const std::vector<Target>& pop,
                 uint64_t seed, size_t count) {
    KindRequests k{kind, {}};
    for (const Target& t : Sample(pop, count, seed)) {
      QueryRequest r;
      r.kind = kind;
      r.args = {t.qualified};
      k.requests.push_back(std::move(r));
    }
    return k;
  };
  std::vector<KindRequests> out = {
      one("what-implements", w.traits, 1, n), one("callers", w.callables, 2, n),
      one("callees", w.callables, 3, n),      one("uses", w.named, 4, n),
      one("used-by", w.types, 5, n),          one("blast-radius", w.named, 6, n),
      one("context", w.callables, 7, n)};
  KindRequests search{"search", {}};
  for (const Target& t : Sample(w.named, n, 8)) {
    const std::string name = t.qualified.substr(t.qualified.rfind(':') + 1);
    search.requests.push_back(
        {.kind = "search", .args = {name.substr(0, 4)}, .limit = 20});
  }
  out.push_back(std::move(search));
  KindRequests path{"path", {}};
  const auto a = Sample(w.callables, n / 4, 9), b = Sample(w.callables, n / 4, 10);
  for (size_t i = 0; i < a.size(); ++i)
    path.requests.push_back({.kind = "path", .args = {a[i].qualified, b[i].qualified}});
  out.push_back(std::move(path));
  KindRequests cycles{"cycles", {}};
  for (size_t i = 0; i < (w.options.quick ? 2u : 20u); ++i)
    cycles.requests.push_back({.kind = "cycles"});
  out.push_back(std::move(cycles));
  return out;
}

// Latency of every request of every kind, in microseconds, as JSON.
Json RunAll(const Engine& engine, const std::vector<KindRequests>& kinds) {
  Json out = Json::object();
  for (const KindRequests& k : kinds) {
    std::vector<double> us;
    size_t errors = 0;
    for (const QueryRequest& r : k.requests) {
      const auto t0 = Clock::now();
      auto res = engine.Query(r);
      us.push_back(MicrosSince(t0));
      errors += !res.ok();
    }
    out[k.kind] = QuantilesJson(us);
    out[k.kind]["errors"] = errors;
  }
  return out;
}

// Edits small files of the corpus through UpdateFile until stopped: each
// edit appends a comment line, so every one is a real change.
class EditStream {
 public:
  EditStream(Engine& engine, const World& w) : engine_(engine), w_(w) {
    thread_ = std::thread([this] { Run(); });
  }
  ~EditStream() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Waits (up to 10 s) until the first edit is applied, so that every
  // measurement runs alongside edits.
  void WaitForFirst() const {
    const auto t0 = Clock::now();
    while (edits_ + errors_ == 0 && SecondsSince(t0) < 10)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  size_t edits() const { return edits_; }
  size_t errors() const { return errors_; }

 private:
  void Run() {
    size_t i = 0;
    while (!stop_ && !w_.small_files.empty()) {
      const CorpusFile& f = w_.files[w_.small_files[i % w_.small_files.size()]];
      ++i;
      auto lsn = engine_.UpdateFile(
          f.rel_path, f.bytes + "\n// aim-bench edit " + std::to_string(i) + "\n");
      if (lsn.ok()) {
        ++edits_;
      } else {
        ++errors_;
      }
    }
  }
  Engine& engine_;
  const World& w_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> edits_{0}, errors_{0};
  std::thread thread_;
};

}  // namespace

Json MeasureQueries(const World& w) {
  auto engine = OpenDb(w, Durability::kBatch);
  if (!engine.ok()) return {{"error", std::string(engine.status().message())}};
  const std::vector<KindRequests> kinds = BuildRequests(w);
  Json out = Json::object();
  out["idle"] = RunAll(**engine, kinds);
  const auto t0 = Clock::now();
  EditStream stream(**engine, w);
  stream.WaitForFirst();
  out["under_edits"] = RunAll(**engine, kinds);
  stream.Stop();
  const double s = SecondsSince(t0);
  out["edit_stream"] = {{"edits", stream.edits()},
                        {"errors", stream.errors()},
                        {"edits_per_s", static_cast<double>(stream.edits()) / s},
                        {"durability", "batch"}};
  return out;
}

Json MeasureSaveToQueryReady(const World& w) {
  auto engine = OpenDb(w, Durability::kBatch);
  if (!engine.ok()) return {{"error", std::string(engine.status().message())}};
  if (w.small_files.empty()) return {{"error", "no file of 200 lines or fewer in the corpus"}};
  std::vector<double> us;
  size_t failures = 0;
  for (size_t i = 0; i < w.options.edits; ++i) {
    const CorpusFile& f = w.files[w.small_files[(i * 7919) % w.small_files.size()]];
    const std::string probe = "aim_bench_probe_" + std::to_string(i);
    const std::string text = f.bytes + "\npub fn " + probe + "() {}\n";
    const auto t0 = Clock::now();
    auto lsn = (*engine)->UpdateFile(f.rel_path, text);
    bool seen = lsn.ok() && (*engine)->WaitFor(*lsn, 10000).ok();
    if (seen) {
      auto r = (*engine)->Query({.kind = "search", .args = {probe}, .limit = 1});
      seen = r.ok() && !r->results.empty() && r->results[0].entity.name == probe;
    }
    const double t = MicrosSince(t0);
    if (seen) {
      us.push_back(t);
    } else {
      ++failures;
    }
  }
  const Quantiles q = Summarize(us);
  return {{"durability", "batch"},
          {"n", q.n},
          {"failures", failures},
          {"p50_ms", q.p50 / 1e3},
          {"p99_ms", q.p99 / 1e3},
          {"max_ms", q.max / 1e3}};
}

Json MeasureActors(const World& w) {
  auto engine = OpenDb(w, Durability::kBatch);
  if (!engine.ok()) return {{"error", std::string(engine.status().message())}};
  const auto targets = Sample(w.callables, w.options.query_samples, 11);
  std::vector<double> sync_us, async_us;
  for (const Target& t : targets) {
    const QueryRequest r{.kind = "callers", .args = {t.qualified}};
    auto t0 = Clock::now();
    (void)(*engine)->Query(r);
    sync_us.push_back(MicrosSince(t0));
    std::promise<bool> done;
    t0 = Clock::now();
    (*engine)->QueryAsync(r, [&done](absl::StatusOr<QueryResult> q) {
      done.set_value(q.ok());
    });
    done.get_future().get();
    async_us.push_back(MicrosSince(t0));
  }
  Json out = {{"query", "callers, depth 1"},
              {"sync", QuantilesJson(sync_us)},
              {"async", QuantilesJson(async_us)}};
  out["round_trip_p50_us"] =
      out["async"]["p50_us"].get<double>() - out["sync"]["p50_us"].get<double>();
  return out;
}

}  // namespace aim::bench::rig
