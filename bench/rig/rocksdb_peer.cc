// The RocksDB peer: the engine's WAL payloads written as RocksDB values
// (Put, default options: its own write-ahead log and group commit, a
// memtable) with WriteOptions::sync true and false, by the same number of
// concurrent writers as AIM's log. Ratios compare records/s:
//   sync   AIM kSync  vs RocksDB sync=true   (each write synced)
//   batch  AIM kBatch vs RocksDB sync=true   (durable when acknowledged)
//   none   AIM kNone  vs RocksDB sync=false  (handed to the OS)
#include "bench/rig/rig.h"

#ifndef AIM_BENCH_HAVE_ROCKSDB

aim::bench::rig::Json aim::bench::rig::RunRocksdbPeer(const World&, const Json&) {
  return PeerNotBuilt("AIM_BENCH_ROCKSDB", "librocksdb-dev");
}

#else

#include <rocksdb/db.h>
#include <rocksdb/version.h>

#include <atomic>
#include <filesystem>

namespace aim::bench::rig {

namespace {

Json RunOne(const World& w, bool sync) {
  const std::string dir = w.scratch + (sync ? "/rocksdb-sync" : "/rocksdb-nosync");
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) return {{"error", s.ToString()}};
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  std::atomic<uint64_t> key{0};
  Json r = AppendRun(w, w.options.wal_writers, w.options.wal_seconds,
                     [&](const std::string& p) {
                       const std::string k = std::to_string(++key);
                       return db->Put(wo, k, p).ok();
                     });
  if (!sync && !db->FlushWAL(/*sync=*/true).ok()) r["errors"] = 1;
  db.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

double Ratio(const Json& aim, const Json& peer) {
  if (!aim.contains("records_per_s") || !peer.contains("records_per_s")) return 0;
  const double p = peer["records_per_s"].get<double>();
  return p > 0 ? aim["records_per_s"].get<double>() / p : 0;
}

}  // namespace

Json RunRocksdbPeer(const World& w, const Json& aim_wal) {
  Json out = {{"built", true},
              {"version", std::to_string(ROCKSDB_MAJOR) + "." +
                              std::to_string(ROCKSDB_MINOR) + "." +
                              std::to_string(ROCKSDB_PATCH)},
              {"writers", w.options.wal_writers}};
  out["sync_true"] = RunOne(w, true);
  out["sync_false"] = RunOne(w, false);
  out["ratio"] = {{"sync", Ratio(aim_wal.value("sync", Json{}), out["sync_true"])},
                  {"batch", Ratio(aim_wal.value("batch", Json{}), out["sync_true"])},
                  {"none", Ratio(aim_wal.value("none", Json{}), out["sync_false"])}};
  return out;
}

}  // namespace aim::bench::rig

#endif  // AIM_BENCH_HAVE_ROCKSDB
