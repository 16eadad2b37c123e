// WAL throughput per durability mode, with group-commit batch sizes: the
// engine's log (wal/log.h) appending the engine's own payloads.
#include <atomic>
#include <filesystem>
#include <thread>

#include "bench/rig/rig.h"
#include "wal/env.h"
#include "wal/log.h"

namespace aim::bench::rig {

Json AppendRun(const World& w, int writers, double seconds,
               const std::function<bool(const std::string&)>& append) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> records{0}, bytes{0}, errors{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(writers));
  std::vector<std::thread> pool;
  const auto t0 = Clock::now();
  for (int t = 0; t < writers; ++t)
    pool.emplace_back([&, t] {
      size_t i = static_cast<size_t>(t) * w.wal_payloads.size() /
                 static_cast<size_t>(writers);
      while (!stop) {
        const std::string& p = w.wal_payloads[i++ % w.wal_payloads.size()];
        const auto a = Clock::now();
        if (!append(p)) {
          ++errors;
          return;
        }
        lat[static_cast<size_t>(t)].push_back(MicrosSince(a));
        ++records;
        bytes += p.size();
      }
    });
  while (SecondsSince(t0) < seconds && errors == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : pool) t.join();
  const double s = SecondsSince(t0);
  std::vector<double> all;
  for (const auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  const Quantiles q = Summarize(all);
  return {{"records", records.load()},
          {"errors", errors.load()},
          {"payload_bytes", bytes.load()},
          {"records_per_s", static_cast<double>(records) / s},
          {"mb_per_s", static_cast<double>(bytes) / 1e6 / s},
          {"p50_us", q.p50},
          {"p99_us", q.p99}};
}

Json MeasureWal(const World& w) {
  Json out = {{"writers", w.options.wal_writers},
              {"seconds", w.options.wal_seconds},
              {"payloads", w.wal_payloads.size()}};
  const std::pair<const char*, wal::Durability> modes[] = {
      {"sync", wal::Durability::kSync},
      {"batch", wal::Durability::kBatch},
      {"none", wal::Durability::kNone}};
  for (const auto& [name, mode] : modes) {
    const std::string dir = w.scratch + "/wal-" + name;
    wal::LogOptions o;
    o.durability = mode;
    auto log = wal::Log::Open(wal::Env::Default(), dir, o, 0,
                              [](uint64_t, std::string_view) {
                                return absl::OkStatus();
                              });
    if (!log.ok()) {
      out[name] = {{"error", std::string(log.status().message())}};
      continue;
    }
    Json r = AppendRun(w, w.options.wal_writers, w.options.wal_seconds,
                       [&](const std::string& p) { return (*log)->Append(p).ok(); });
    if (mode == wal::Durability::kNone && !(*log)->Sync().ok()) r["errors"] = 1;
    const wal::LogStats st = (*log)->stats();
    r["groups"] = st.groups;
    r["syncs"] = st.syncs;
    r["records_per_group"] =
        st.groups ? static_cast<double>(st.records) / static_cast<double>(st.groups) : 0;
    r["log_bytes"] = st.bytes;
    out[name] = std::move(r);
    log->reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return out;
}

}  // namespace aim::bench::rig
