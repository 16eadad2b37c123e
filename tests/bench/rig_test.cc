// aim-bench's quick configuration on the fixture crates: it completes and
// writes a well-formed report with every expected key. No timing is
// checked (the machine may be loaded); bad input must fail clearly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/support/run_command.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using BenchRun = aim::testing::CommandResult;

BenchRun RunBench(const std::string& args) {
  return aim::testing::RunCommand(std::string(AIM_BENCH_BINARY) + " " + args);
}

class AimBenchRigTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("aim-rig-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// A number at `path` (a JSON pointer), failing the test if absent.
double Number(const Json& j, const std::string& path) {
  const Json::json_pointer ptr(path);
  if (!j.contains(ptr) || !j.at(ptr).is_number()) {
    ADD_FAILURE() << "missing number " << path;
    return -1;
  }
  return j.at(ptr).get<double>();
}

TEST_F(AimBenchRigTest, QuickRunWritesAWellFormedReport) {
  const fs::path results = dir_ / "results";
  const BenchRun r = RunBench("--quick --corpus " + std::string(AIM_SOURCE_DIR) +
                         "/tests/fixtures --results " + results.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("results: " + results.string()), std::string::npos) << r.output;
  std::ifstream in(results / "report.json");
  ASSERT_TRUE(in) << "no report.json";
  const Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << "report.json is not JSON";
  EXPECT_TRUE(fs::exists(results / "report.md"));

  EXPECT_GT(Number(j, "/corpus/files"), 0);
  EXPECT_GT(Number(j, "/corpus/lines"), 0);
  EXPECT_TRUE(j["config"]["quick"].get<bool>());
  for (const char* t : {"threads_1", "threads_2"}) {
    EXPECT_GT(Number(j, std::string("/extraction/") + t + "/lines_per_s"), 0);
    EXPECT_GE(Number(j, std::string("/extraction/") + t + "/mb_per_s"), 0);
    EXPECT_GT(Number(j, std::string("/ingest/") + t + "/seconds"), 0);
  }
  EXPECT_GT(Number(j, "/ingest/entities"), 0);
  EXPECT_GT(Number(j, "/ingest/edges"), 0);
  EXPECT_GT(Number(j, "/ingest/checkpoint_bytes"), 0);
  EXPECT_GE(Number(j, "/memory/bytes_per_element_graph"), 0);
  EXPECT_GE(Number(j, "/memory/bytes_per_element_rss"), 0);
  EXPECT_GE(Number(j, "/open/open_ms"), 0);
  EXPECT_GT(Number(j, "/recovery/replayed_records"), 0);  // the edits were logged

  for (const char* mode : {"sync", "batch", "none"}) {
    const std::string m = std::string("/wal/") + mode;
    EXPECT_GT(Number(j, m + "/records"), 0) << mode;
    EXPECT_EQ(Number(j, m + "/errors"), 0) << mode;
    EXPECT_GE(Number(j, m + "/records_per_group"), 1) << mode;
    EXPECT_GE(Number(j, m + "/mb_per_s"), 0) << mode;
  }
  for (const char* load : {"idle", "under_edits"})
    for (const char* kind : {"what-implements", "callers", "callees", "uses", "used-by",
                             "blast-radius", "search", "context", "path", "cycles"}) {
      const std::string k = std::string("/queries/") + load + "/" + kind;
      EXPECT_GT(Number(j, k + "/n"), 0) << k;
      EXPECT_GE(Number(j, k + "/p999_us"), Number(j, k + "/p50_us")) << k;
      EXPECT_EQ(Number(j, k + "/errors"), 0) << k;
    }
  EXPECT_GT(Number(j, "/queries/edit_stream/edits"), 0);
  EXPECT_GT(Number(j, "/save_to_query_ready/n"), 0);
  EXPECT_EQ(Number(j, "/save_to_query_ready/failures"), 0);
  EXPECT_GE(Number(j, "/save_to_query_ready/p99_ms"),
            Number(j, "/save_to_query_ready/p50_ms"));
  EXPECT_GT(Number(j, "/actors/sync/n"), 0);
  EXPECT_GT(Number(j, "/actors/async/n"), 0);

  // Each peer either ran or says why not.
  for (const char* peer : {"sqlite", "ctags", "rocksdb"}) {
    const Json& p = j["peers"][peer];
    ASSERT_TRUE(p.contains("built") && p["built"].is_boolean()) << peer;
    if (!p["built"].get<bool>()) {
      EXPECT_NE(p.value("note", "").find("not"), std::string::npos) << peer;
      continue;
    }
    EXPECT_FALSE(p.contains("error")) << peer << ": " << p["error"];
  }
  const Json& sql = j["peers"]["sqlite"];
  if (sql["built"].get<bool>()) {
    EXPECT_GT(Number(sql, "/load/nodes"), 0);
    for (const char* op : {"what-implements", "callers", "blast-radius", "update-file"}) {
      EXPECT_GT(Number(sql, std::string("/ops/") + op + "/sqlite/n"), 0) << op;
      EXPECT_GT(Number(sql, std::string("/ops/") + op + "/ratio_mean"), 0) << op;
    }
    for (const char* op : {"what-implements", "callers", "blast-radius"}) {
      const std::string o = std::string("/ops/") + op;
      EXPECT_GT(Number(sql, o + "/aim_core/n"), 0) << op;
      EXPECT_GT(Number(sql, o + "/sqlite_by_id/n"), 0) << op;
      EXPECT_GT(Number(sql, o + "/core_ratio_mean"), 0) << op;
    }
  }
  const Json& ctags = j["peers"]["ctags"];
  if (ctags["built"].get<bool>()) {
    EXPECT_GT(Number(ctags, "/ctags_tags"), 0);
    EXPECT_GT(Number(ctags, "/aim_facts"), 0);
  }
  const Json& rocks = j["peers"]["rocksdb"];
  if (rocks["built"].get<bool>()) {
    EXPECT_EQ(Number(rocks, "/writers"), Number(j, "/wal/writers"));
    for (const char* side : {"sync_true", "sync_false"})
      EXPECT_GT(Number(rocks, std::string("/") + side + "/records"), 0) << side;
    for (const char* mode : {"sync", "batch", "none"})
      EXPECT_GT(Number(rocks, std::string("/ratio/") + mode), 0) << mode;
  }
}

TEST_F(AimBenchRigTest, MissingCorpusIsAClearError) {
  const BenchRun r = RunBench("--quick --corpus " + (dir_ / "no-such-dir").string() +
                         " --results " + (dir_ / "results").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("corpus directory not found"), std::string::npos) << r.output;
}

TEST_F(AimBenchRigTest, BadArgumentsAreUsageErrors) {
  const std::string results = " --results " + (dir_ / "results").string();
  BenchRun r = RunBench("--quick --wal-writers 0" + results);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--wal-writers"), std::string::npos) << r.output;
  r = RunBench("--no-such-option" + results);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "results"));  // nothing ran
}

TEST_F(AimBenchRigTest, CorpusWithoutRustIsAClearError) {
  fs::create_directories(dir_ / "empty");
  const BenchRun r = RunBench("--quick --corpus " + (dir_ / "empty").string() +
                         " --results " + (dir_ / "results").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no Rust source file"), std::string::npos) << r.output;
}

TEST_F(AimBenchRigTest, UnwritableResultsIsAClearError) {
  // A regular file where a parent directory should be (root may write
  // anywhere, so permissions would not do).
  std::ofstream(dir_ / "file") << "x";
  const BenchRun r = RunBench("--quick --corpus " + std::string(AIM_SOURCE_DIR) +
                         "/tests/fixtures --results " + (dir_ / "file" / "results").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("results directory"), std::string::npos) << r.output;
}

}  // namespace
