// The universal-ctags peer: `ctags --languages=Rust` over the same files,
// against AIM's extractor reading and extracting the same files on one
// thread (ctags is single-threaded too). Both read from the page cache.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "aim/extract.h"
#include "bench/rig/rig.h"

#ifndef AIM_BENCH_CTAGS
#define AIM_BENCH_CTAGS "ctags"
#endif

namespace aim::bench::rig {

namespace {

// The first line `cmd` prints ("" if it cannot run).
std::string FirstLine(const std::string& cmd) {
  std::string line;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    if (fgets(buf, sizeof buf, p)) line = buf;
    pclose(p);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

Json RunCtagsPeer(const World& w, const Json& extraction) {
  const std::string ctags = AIM_BENCH_CTAGS;
  const std::string version = FirstLine(ctags + " --version 2>/dev/null");
  if (version.find("Universal Ctags") == std::string::npos)
    return {{"built", false},
            {"note", "peer not available: universal-ctags not found as '" + ctags +
                         "' (apt-get install universal-ctags)"}};
  const std::string list = w.scratch + "/ctags.list", tags = w.scratch + "/tags";
  {
    std::ofstream out(list);
    for (const CorpusFile& f : w.files) out << f.abs_path << '\n';
  }
  const std::string cmd = ctags + " --languages=Rust -f '" + tags + "' -L '" +
                          list + "' 2>/dev/null";
  const int rounds = w.options.quick ? 1 : 3;
  double ctags_s = 1e30, aim_s = 1e30;
  uint64_t facts = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    const int rc = std::system(cmd.c_str());
    const double s = SecondsSince(t0);
    if (rc != 0)
      return {{"built", true}, {"version", version},
              {"error", "ctags exited with status " + std::to_string(WEXITSTATUS(rc))}};
    ctags_s = std::min(ctags_s, s);
    t0 = Clock::now();
    facts = 0;
    for (const CorpusFile& f : w.files) {
      const FileFacts ff = ExtractFacts(f.rel_path, ReadFile(f.abs_path));
      facts += ff.items.size() + ff.impls.size() + ff.calls.size() +
               ff.imports.size() + ff.type_uses.size() + ff.macro_calls.size();
    }
    aim_s = std::min(aim_s, SecondsSince(t0));
  }
  std::map<std::string, uint64_t> kinds;
  uint64_t count = 0;
  std::ifstream in(tags);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("!_", 0) == 0) continue;
    ++count;
    const size_t k = line.find(";\"\t");
    if (k != std::string::npos && k + 3 < line.size()) ++kinds[line.substr(k + 3, 1)];
  }
  Json out = {{"built", true},
              {"version", version},
              {"command", ctags + " --languages=Rust -f tags -L <files>"},
              {"ctags_seconds", ctags_s},
              {"ctags_tags", count},
              {"ctags_kinds", kinds},
              {"aim_read_extract_seconds", aim_s},
              {"aim_facts", facts},
              {"speedup", ctags_s / aim_s}};
  if (extraction.contains("threads_1"))
    out["aim_extract_seconds"] = extraction["threads_1"]["seconds"];
  return out;
}

}  // namespace aim::bench::rig
