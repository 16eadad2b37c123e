// aim-bench: the throughput benchmarking rig (see bench/README.md).
//
//   build/bench/aim-bench [--corpus DIR] [--results DIR] [--quick] ...
//
// Runs every stage on the corpus, prints a line per stage on stderr and, at
// the end, the results directory holding report.json, report.md and
// chart.svg. Exit status: 0 done, 2 bad arguments or unusable corpus or
// results directory, 1 the run failed.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "bench/rig/rig.h"

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace aim::bench::rig {
namespace {

namespace fs = std::filesystem;

std::string UtcStamp(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

Json LoadAverage() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return Json::array();
  return Json::array({l[0], l[1], l[2]});
}

Json Machine() {
  std::string cpu;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  uname(&u);
  return {{"cpu", cpu},
          {"cores", std::thread::hardware_concurrency()},
          {"kernel", std::string(u.release)},
          {"memory_gib", static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                             static_cast<double>(sysconf(_SC_PAGESIZE)) / (1u << 30)}};
}

// Creates `dir` and checks that a file can be written in it.
absl::Status PrepareResults(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError("cannot create the results directory " +
                                       dir + ": " + ec.message());
  const std::string probe = dir + "/.aim-bench-probe";
  std::ofstream out(probe);
  if (!(out << "ok") || !(out.flush()))
    return absl::PermissionDeniedError("cannot write in the results directory " + dir);
  out.close();
  fs::remove(probe, ec);
  return absl::OkStatus();
}

// Runs `fn`, printing its name and duration on stderr.
template <typename Fn>
auto Stage(const char* name, Fn fn) {
  std::cerr << "aim-bench: " << name << "..." << std::flush;
  const auto t0 = Clock::now();
  auto r = fn();
  std::cerr << " " << SecondsSince(t0) << " s\n";
  return r;
}

int Run(const RigOptions& o) {
  Json report;
  report["format"] = 1;
  report["started"] = UtcStamp("%Y-%m-%dT%H:%M:%SZ");
  report["machine"] = Machine();
  report["machine"]["load_average_start"] = LoadAverage();
  report["config"] = {{"quick", o.quick},
                      {"wal_writers", o.wal_writers},
                      {"wal_seconds", o.wal_seconds},
                      {"query_samples", o.query_samples},
                      {"peer_samples", o.peer_samples},
                      {"edits", o.edits}};
  World w;
  if (absl::Status s = Stage("reading the corpus", [&] { return LoadWorld(o, &w); });
      !s.ok()) {
    std::cerr << "aim-bench: " << s.message() << "\n";
    return 2;
  }
  report["corpus"] = {{"dir", o.corpus}, {"files", w.files.size()},
                      {"lines", w.lines}, {"bytes", w.bytes}};
  // First, while the heap holds little that a new engine could reuse.
  report["memory"] = Stage("memory", [&] { return MeasureMemory(w); });
  report["extraction"] = Stage("extraction", [&] { return MeasureExtraction(w); });
  Json ingest;
  if (absl::Status s = Stage("ingest", [&] { return MeasureIngest(&w, &ingest); });
      !s.ok()) {
    std::cerr << "aim-bench: ingest failed: " << s.message() << "\n";
    return 1;
  }
  report["ingest"] = std::move(ingest);
  report["open"] = Stage("open (checkpoint)", [&] { return MeasureOpen(w); });
  report["wal"] = Stage("WAL append", [&] { return MeasureWal(w); });
  report["queries"] = Stage("queries", [&] { return MeasureQueries(w); });
  report["save_to_query_ready"] =
      Stage("save to query-ready", [&] { return MeasureSaveToQueryReady(w); });
  report["actors"] = Stage("actor round trip", [&] { return MeasureActors(w); });
  report["recovery"] = Stage("open (checkpoint + WAL replay)", [&] { return MeasureOpen(w); });
  Json peers;
  peers["sqlite"] = Stage("peer: SQLite", [&] { return RunSqlitePeer(w); });
  peers["ctags"] = Stage("peer: universal-ctags",
                         [&] { return RunCtagsPeer(w, report["extraction"]); });
  peers["rocksdb"] = Stage("peer: RocksDB", [&] { return RunRocksdbPeer(w, report["wal"]); });
  for (const auto& [name, p] : peers.items())
    if (!p.value("built", false))
      std::cerr << "aim-bench: " << name << ": " << p.value("note", "") << "\n";
  report["peers"] = std::move(peers);
  report["machine"]["load_average_end"] = LoadAverage();
  report["finished"] = UtcStamp("%Y-%m-%dT%H:%M:%SZ");

  {
    std::ofstream out(o.results + "/report.json");
    out << report.dump(2) << "\n";
    if (!out) {
      std::cerr << "aim-bench: cannot write " << o.results << "/report.json\n";
      return 1;
    }
  }
  std::vector<std::string> written = WriteSummary(report, o.results);
  std::cout << "results: " << o.results << "\n  report.json";
  for (const auto& f : written) std::cout << "\n  " << f;
  std::cout << "\n";
  return 0;
}

}  // namespace
}  // namespace aim::bench::rig

int main(int argc, char** argv) {
  aim::bench::rig::RigOptions o;
  o.corpus = AIM_CARGO_REGISTRY;
  CLI::App app{"aim-bench: AIM's throughput rig, with SQLite, universal-ctags "
               "and RocksDB as peers"};
  app.add_option("--corpus", o.corpus, "Directory of Rust crates")
      ->capture_default_str();
  app.add_option("--results", o.results,
                 "Directory for the report (default bench-results/<UTC time>)");
  app.add_flag("--quick", o.quick, "Few samples: checks that the rig runs");
  app.add_option("--wal-writers", o.wal_writers,
                 "Concurrent appenders (AIM and RocksDB alike)")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--wal-seconds", o.wal_seconds, "Seconds per WAL mode and side")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--samples", o.query_samples, "Queries per kind")
      ->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--peer-samples", o.peer_samples, "Operations per SQLite comparison")
      ->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--edits", o.edits, "Save-to-query-ready measurements")
      ->capture_default_str()->check(CLI::Range(1, 10000000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; usage errors exit 2, as the aim tool's do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick) {
    o.query_samples = std::min<size_t>(o.query_samples, 50);
    o.peer_samples = std::min<size_t>(o.peer_samples, 20);
    o.edits = std::min<size_t>(o.edits, 10);
    o.wal_seconds = std::min(o.wal_seconds, 0.3);
  }
  if (o.results.empty())
    o.results = "bench-results/" + aim::bench::rig::UtcStamp("%Y%m%d-%H%M%S");
  if (absl::Status s = aim::bench::rig::PrepareResults(o.results); !s.ok()) {
    std::cerr << "aim-bench: " << s.message() << "\n";
    return 2;
  }
  return aim::bench::rig::Run(o);
}
