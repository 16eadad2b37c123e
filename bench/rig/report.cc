// report.md (the tables the README quotes) and chart.svg (gnuplot).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench/rig/rig.h"

#ifndef AIM_BENCH_GNUPLOT
#define AIM_BENCH_GNUPLOT "gnuplot"
#endif

namespace aim::bench::rig {

namespace {

// An integer, thousands separated.
std::string Int(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  const std::string s = buf;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && s[i - 1] != '-' && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

// A number with 3 significant digits below 1,000, an integer above.
std::string Num(double v) {
  if (v >= 1000) return Int(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
  return buf;
}

double Get(const Json& j, std::initializer_list<const char*> path) {
  const Json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

std::string LoadText(const Json& loads) {
  std::string s;
  if (loads.is_array())
    for (const Json& l : loads) s += (s.empty() ? "" : ", ") + Num(l.get<double>());
  return s.empty() ? "unknown" : s;
}

std::string PeerLine(const Json& peer) {
  return peer.value("note", peer.value("error", std::string("no result")));
}

void AimTable(const Json& r, std::ostream& md) {
  const Json& q = r["queries"];
  md << "| what | result |\n|---|---|\n";
  for (int t : {1, 2}) {
    const std::string k = "threads_" + std::to_string(t);
    md << "| extraction, " << t << " thread" << (t > 1 ? "s" : "") << " | "
       << Num(Get(r, {"extraction", k.c_str(), "lines_per_s"}) / 1e6) << " M lines/s, "
       << Num(Get(r, {"extraction", k.c_str(), "mb_per_s"})) << " MB/s |\n";
  }
  md << "| ingest end to end (scan, read, extract, resolve, checkpoint), 1 / 2 threads | "
     << Num(Get(r, {"ingest", "threads_1", "seconds"})) << " s / "
     << Num(Get(r, {"ingest", "threads_2", "seconds"})) << " s |\n";
  md << "| entities / edges found | " << Int(Get(r, {"ingest", "entities"})) << " / "
     << Int(Get(r, {"ingest", "edges"})) << " |\n";
  md << "| resident memory (RSS growth) / graph's own accounting | "
     << Num(Get(r, {"memory", "rss_bytes"}) / 1e6) << " MB / "
     << Num(Get(r, {"memory", "graph_bytes"}) / 1e6) << " MB |\n";
  md << "| bytes per (entity + edge), RSS / graph | "
     << Num(Get(r, {"memory", "bytes_per_element_rss"})) << " / "
     << Num(Get(r, {"memory", "bytes_per_element_graph"})) << " |\n";
  md << "| checkpoint size | " << Num(Get(r, {"open", "checkpoint_bytes"}) / 1e6) << " MB |\n";
  md << "| open (checkpoint) / recovery (checkpoint + " << Int(Get(r, {"recovery", "replayed_records"}))
     << " WAL records) | " << Num(Get(r, {"open", "open_ms"})) << " ms / "
     << Num(Get(r, {"recovery", "open_ms"})) << " ms |\n";
  md << "| save to query-ready (UpdateFile + WaitFor + query, `batch`), p50 / p99 | "
     << Num(Get(r, {"save_to_query_ready", "p50_ms"})) << " ms / "
     << Num(Get(r, {"save_to_query_ready", "p99_ms"})) << " ms |\n";
  for (const char* mode : {"sync", "batch", "none"})
    md << "| WAL append `" << mode << "`, " << Int(Get(r, {"wal", "writers"}))
       << " writers | " << Num(Get(r, {"wal", mode, "records_per_s"})) << " records/s, "
       << Num(Get(r, {"wal", mode, "mb_per_s"})) << " MB/s, "
       << Num(Get(r, {"wal", mode, "records_per_group"})) << " records/group |\n";
  md << "| Query (synchronous) vs QueryAsync (actor round trip), callers, p50 / p99 | "
     << Num(Get(r, {"actors", "sync", "p50_us"})) << " / "
     << Num(Get(r, {"actors", "sync", "p99_us"})) << " µs vs "
     << Num(Get(r, {"actors", "async", "p50_us"})) << " / "
     << Num(Get(r, {"actors", "async", "p99_us"})) << " µs |\n\n";

  md << "Query latency through `Engine::Query` (name lookup included), µs; "
        "under edits: a thread calls `UpdateFile` back to back ("
     << Num(Get(q, {"edit_stream", "edits_per_s"})) << " edits/s, `batch`).\n\n"
     << "| query | n | p50 | p99 | p99.9 | p50 under edits | p99 under edits | p99.9 under edits |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  if (q.contains("idle"))
    for (const auto& [kind, v] : q["idle"].items()) {
      const Json& e = q["under_edits"][kind];
      md << "| " << kind << " | " << Int(Get(v, {"n"})) << " | " << Num(Get(v, {"p50_us"}))
         << " | " << Num(Get(v, {"p99_us"})) << " | " << Num(Get(v, {"p999_us"})) << " | "
         << Num(Get(e, {"p50_us"})) << " | " << Num(Get(e, {"p99_us"})) << " | "
         << Num(Get(e, {"p999_us"})) << " |\n";
    }
  md << "\n";
}

void PeerTables(const Json& r, std::ostream& md) {
  const Json& p = r["peers"];
  md << "Peers, same run, same input:\n\n"
     << "| operation | AIM | peer | peer / AIM | goal |\n|---|---|---|---|---|\n";
  const Json& sql = p["sqlite"];
  if (sql.value("built", false) && sql.contains("ops")) {
    const std::string ver = sql.value("version", "");
    for (const auto& [op, v] : sql["ops"].items()) {
      const char* goal = op == "blast-radius" ? ">= 100x" : "";
      md << "| " << op
         << (op == "update-file"
                 ? ": UpdateFile (`none`) vs one SQLite transaction (delete + insert) "
                 : ", by name: Engine::Query vs SQLite ")
         << ver << ", mean / p50 µs | " << Num(Get(v, {"aim", "mean_us"})) << " / "
         << Num(Get(v, {"aim", "p50_us"})) << " | " << Num(Get(v, {"sqlite", "mean_us"}))
         << " / " << Num(Get(v, {"sqlite", "p50_us"})) << " | **"
         << Num(Get(v, {"ratio_mean"})) << "x** / " << Num(Get(v, {"ratio_p50"}))
         << "x | " << goal << " |\n";
      if (!v.contains("aim_core")) continue;
      md << "| " << op << ", by id: engine/query vs SQLite, mean / p50 µs | "
         << Num(Get(v, {"aim_core", "mean_us"})) << " / "
         << Num(Get(v, {"aim_core", "p50_us"})) << " | "
         << Num(Get(v, {"sqlite_by_id", "mean_us"})) << " / "
         << Num(Get(v, {"sqlite_by_id", "p50_us"})) << " | **"
         << Num(Get(v, {"core_ratio_mean"})) << "x** / " << Num(Get(v, {"core_ratio_p50"}))
         << "x | " << goal << " |\n";
    }
  } else {
    md << "| SQLite | | " << PeerLine(sql) << " | | |\n";
  }
  const Json& ct = p["ctags"];
  if (ct.value("built", false) && ct.contains("ctags_seconds")) {
    md << "| parse the corpus, one thread (AIM: read + extract; ctags --languages=Rust) | "
       << Num(Get(ct, {"aim_read_extract_seconds"}) * 1e3) << " ms, "
       << Int(Get(ct, {"aim_facts"})) << " facts | "
       << Num(Get(ct, {"ctags_seconds"}) * 1e3) << " ms, " << Int(Get(ct, {"ctags_tags"}))
       << " tags | **" << Num(Get(ct, {"speedup"})) << "x** | faster |\n";
  } else {
    md << "| universal-ctags | | " << PeerLine(ct) << " | | |\n";
  }
  const Json& rk = p["rocksdb"];
  if (rk.value("built", false) && rk.contains("ratio")) {
    const std::pair<const char*, const char*> pairs[] = {
        {"sync", "sync_true"}, {"batch", "sync_true"}, {"none", "sync_false"}};
    for (const auto& [mode, peer] : pairs)
      md << "| WAL append, " << Int(Get(rk, {"writers"})) << " writers: AIM `" << mode
         << "` vs RocksDB " << rk.value("version", "") << " " << peer << ", records/s | "
         << Num(Get(r, {"wal", mode, "records_per_s"})) << " | "
         << Num(Get(rk, {peer, "records_per_s"})) << " | **"
         << Num(Get(rk, {"ratio", mode})) << "x** (AIM / RocksDB) | >= 1x |\n";
  } else {
    md << "| RocksDB | | " << PeerLine(rk) << " | | |\n";
  }
  md << "\n";
}

// Two panels: AIM vs SQLite per operation, and AIM's query p99 idle and
// under edits (both log-scale µs).
bool Chart(const Json& r, const std::string& dir) {
  const std::string gp = dir + "/chart.gp", peers = dir + "/chart-peers.dat",
                    queries = dir + "/chart-queries.dat";
  const Json& sql = r["peers"]["sqlite"];
  const bool with_peers = sql.contains("ops");  // else one panel
  if (with_peers) {
    std::ofstream out(peers);
    for (const auto& [op, v] : sql["ops"].items())
      out << '"' << op << "\" " << Get(v, {"aim", "mean_us"}) << " "
          << Get(v, {"aim_core", "mean_us"}) << " " << Get(v, {"sqlite", "mean_us"})
          << " " << Get(v, {"sqlite_by_id", "mean_us"}) << "\n";
  }
  if (!r["queries"].contains("idle")) return false;
  {
    std::ofstream out(queries);
    for (const auto& [kind, v] : r["queries"]["idle"].items())
      out << '"' << kind << "\" " << Get(v, {"p99_us"}) << " "
          << Get(r["queries"]["under_edits"], {kind.c_str(), "p99_us"}) << "\n";
  }
  std::ofstream s(gp);
  s << "set terminal svg size " << (with_peers ? 1000 : 500)
    << ",420 font 'sans,11' background rgb 'white'\n"
    << "set output '" << dir << "/chart.svg'\n"
    << "set multiplot layout 1," << (with_peers ? 2 : 1) << " title 'aim-bench: "
    << Int(Get(r, {"corpus", "files"})) << " files, " << Int(Get(r, {"corpus", "lines"}))
    << " lines'\n"
    << "set style data histograms\nset style histogram clustered gap 1\n"
    << "set style fill solid 0.8 border -1\nset logscale y\nset yrange [0.1:*]\n"
    << "set grid ytics\nset xtics rotate by -30\n"
    << "set key top left font ',10' samplen 1\nset offsets 0, 0, graph 0.3, 0\n"
    << "set ylabel 'µs (log)'\n";
  if (with_peers)
    s << "set title 'AIM vs SQLite, mean per operation'\n"
      << "plot '" << peers << "' using 2:xtic(1) title 'AIM Engine::Query', "
      << "'' using 3 title 'AIM engine/query', '' using 4 title 'SQLite by name', "
      << "'' using 5 title 'SQLite by id'\n";
  s << "set title 'AIM query p99, idle vs under edits'\n"
    << "plot '" << queries << "' using 2:xtic(1) title 'idle', '' using 3 title 'under edits'\n"
    << "unset multiplot\n";
  s.close();
  const std::string cmd =
      std::string(AIM_BENCH_GNUPLOT) + " '" + gp + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

Json PeerNotBuilt(const std::string& cmake_option, const std::string& package) {
  return {{"built", false},
          {"note", "peer not built: install " + package + " and configure with -D" +
                       cmake_option + "=ON"}};
}

std::vector<std::string> WriteSummary(const Json& r, const std::string& dir) {
  std::vector<std::string> written;
  const bool chart = Chart(r, dir);
  std::ofstream md(dir + "/report.md");
  const Json& m = r["machine"];
  md << "# aim-bench " << r.value("started", "") << "\n\n"
     << "Machine: " << m.value("cpu", "") << ", " << m.value("cores", 0) << " cores, "
     << Num(Get(m, {"memory_gib"})) << " GiB, Linux " << m.value("kernel", "")
     << "; load average " << LoadText(m["load_average_start"]) << " at start, "
     << LoadText(m["load_average_end"]) << " at the end.\n"
     << "Corpus: `" << r["corpus"].value("dir", "") << "` ("
     << Int(Get(r, {"corpus", "files"})) << " files, " << Int(Get(r, {"corpus", "lines"}))
     << " lines, " << Num(Get(r, {"corpus", "bytes"}) / 1e6) << " MB)"
     << (r["config"].value("quick", false) ? "; **quick configuration**" : "") << ".\n\n";
  AimTable(r, md);
  PeerTables(r, md);
  md << (chart ? "![chart](chart.svg)\n"
               : "No chart: gnuplot is missing (apt-get install gnuplot-nox) or "
                 "failed on chart.gp.\n");
  written.push_back("report.md");
  if (chart) written.push_back("chart.svg");
  return written;
}

}  // namespace aim::bench::rig
