// actors/watcher: real directories under /tmp, real inotify events.
//
// Positives are awaited by polling Next() until the expected state is seen
// (up to kPatience); negatives are checked after a later "sync" file has
// been reported (events arrive in order) or after draining for a while.
// Many tests make their changes while no Next() call runs: the events then
// wait in the kernel's queue and are read together, which makes the
// coalescing deterministic.
#include "actors/watcher.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace aim::host {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kPatience = std::chrono::seconds(5);
constexpr milliseconds kQuiet{300};
constexpr ChangeKind kChanged = ChangeKind::kChanged;
constexpr ChangeKind kRemoved = ChangeKind::kRemoved;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/aim_watcher_XXXXXX";
    const char* made = mkdtemp(pattern);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  ASSERT_TRUE(out.good()) << path;
}

void Rename(const std::string& from, const std::string& to) {
  ASSERT_EQ(rename(from.c_str(), to.c_str()), 0) << from << " -> " << to;
}

void Unlink(const std::string& path) {
  ASSERT_EQ(unlink(path.c_str()), 0) << path;
}

const char* KindName(ChangeKind kind) {
  return kind == kChanged ? "changed" : "removed";
}

// Everything a watcher reported, and helpers to wait for a state.
class Recorder {
 public:
  explicit Recorder(Watcher& watcher) : watcher_(watcher) {}

  // Polls Next() until `done()` holds or kPatience passes; returns done().
  bool WaitFor(const std::function<bool()>& done) {
    const Clock::time_point give_up = Clock::now() + kPatience;
    while (!done()) {
      if (Clock::now() > give_up) return false;
      if (std::optional<WatchBatch> batch = watcher_.Next(milliseconds(50))) {
        Take(*batch);
      }
    }
    return true;
  }

  // Waits until the last report of each path is the given kind.
  bool WaitForStates(const std::map<std::string, ChangeKind>& want) {
    return WaitFor([&] {
      for (const auto& [path, kind] : want) {
        auto it = state.find(path);
        if (it == state.end() || it->second != kind) return false;
      }
      return true;
    });
  }
  bool WaitForState(const std::string& path, ChangeKind kind) {
    return WaitForStates({{path, kind}});
  }

  // Collects whatever comes for `duration` (for negative checks).
  void Drain(milliseconds duration = kQuiet) {
    const Clock::time_point end = Clock::now() + duration;
    while (Clock::now() < end) {
      if (std::optional<WatchBatch> batch = watcher_.Next(milliseconds(20))) {
        Take(*batch);
      }
    }
  }

  int Count(const std::string& path, ChangeKind kind) const {
    int n = 0;
    for (const FileChange& c : all) n += (c.path == path && c.kind == kind);
    return n;
  }
  // Number of batches that mention `path`.
  int BatchesWith(const std::string& path) const {
    int n = 0;
    for (const WatchBatch& b : batches) {
      for (const FileChange& c : b.changes) n += (c.path == path);
    }
    return n;
  }
  std::set<std::string> Paths() const {
    std::set<std::string> paths;
    for (const FileChange& c : all) paths.insert(c.path);
    return paths;
  }
  bool Warned(const std::string& part) const {
    for (const std::string& w : warnings) {
      if (w.find(part) != std::string::npos) return true;
    }
    return false;
  }
  void Clear() {
    state.clear();
    all.clear();
    batches.clear();
    warnings.clear();
  }
  std::string Dump() const {
    std::string out;
    for (const FileChange& c : all) {
      out += std::string(KindName(c.kind)) + " " + c.path + "\n";
    }
    for (const std::string& w : warnings) out += "warning: " + w + "\n";
    return out;
  }

  std::map<std::string, ChangeKind> state;  // last report per path
  std::vector<FileChange> all;              // every report, in order
  std::vector<WatchBatch> batches;
  std::vector<std::string> warnings;

 private:
  void Take(const WatchBatch& batch) {
    EXPECT_FALSE(batch.empty());
    // A batch is sorted by path, one entry per path.
    for (std::size_t i = 1; i < batch.changes.size(); ++i) {
      EXPECT_LT(batch.changes[i - 1].path, batch.changes[i].path);
    }
    for (const FileChange& c : batch.changes) {
      EXPECT_FALSE(c.path.empty());
      EXPECT_NE(c.path.front(), '/') << c.path;
      state[c.path] = c.kind;
      all.push_back(c);
    }
    for (const std::string& w : batch.warnings) warnings.push_back(w);
    batches.push_back(batch);
  }

  Watcher& watcher_;
};

class WatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<Watcher> Start(WatchOptions options = {}) {
    options.root = root_.path();
    absl::StatusOr<std::unique_ptr<Watcher>> watcher = Watcher::Start(options);
    EXPECT_TRUE(watcher.ok()) << watcher.status();
    return watcher.ok() ? std::move(*watcher) : nullptr;
  }
  static WatchOptions Quiet() {
    WatchOptions options;
    options.initial_scan = false;
    return options;
  }
  std::string R(const std::string& rel) const { return root_ / rel; }
  std::string O(const std::string& rel) const { return outside_ / rel; }

  TempDir root_;
  TempDir outside_;  // same file system: moves across the tree's boundary
};

TEST_F(WatcherTest, StartRejectsAMissingRoot) {
  WatchOptions options;
  options.root = R("missing");
  absl::StatusOr<std::unique_ptr<Watcher>> w = Watcher::Start(options);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound) << w.status();
}

TEST_F(WatcherTest, StartRejectsAFileAsRoot) {
  WriteFile(R("file.rs"), "fn f() {}");
  WatchOptions options;
  options.root = R("file.rs");
  absl::StatusOr<std::unique_ptr<Watcher>> w = Watcher::Start(options);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument)
      << w.status();
}

TEST_F(WatcherTest, StartRejectsBadOptions) {
  WatchOptions options;
  options.root = root_.path();
  options.rescan_interval = milliseconds(0);
  EXPECT_EQ(Watcher::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  EXPECT_EQ(Watcher::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);  // no root
}

TEST_F(WatcherTest, InitialScanReportsEveryWatchedFileInTheFirstBatch) {
  for (const char* rel :
       {"Cargo.toml", "src/lib.rs", "src/a/b.rs", "build/gen.rs", "README.md",
        "src/notes.txt", "src/lib.rs~", "target/debug/x.rs", "src/target/y.rs",
        ".git/objects/z.rs", ".hidden/h.rs", "db/w.rs"}) {
    WriteFile(R(rel), "// x");
  }
  WatchOptions options;
  options.skip_abs = {R("db")};
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->root(), fs::canonical(root_.path()).string());
  std::optional<WatchBatch> first;
  const Clock::time_point give_up = Clock::now() + kPatience;
  while (!first && Clock::now() < give_up) first = w->Next(milliseconds(50));
  ASSERT_TRUE(first.has_value());
  const std::vector<FileChange> want = {{"Cargo.toml", kChanged},
                                        {"build/gen.rs", kChanged},
                                        {"src/a/b.rs", kChanged},
                                        {"src/lib.rs", kChanged}};
  EXPECT_EQ(first->changes, want);
  EXPECT_TRUE(first->warnings.empty());
  Recorder rec(*w);
  rec.Drain();
  EXPECT_TRUE(rec.all.empty()) << rec.Dump();
}

TEST_F(WatcherTest, WithoutInitialScanExistingFilesAreLearntNotReported) {
  WriteFile(R("old.rs"), "fn old() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(rec.WaitForState("sync.rs", kChanged)) << rec.Dump();
  EXPECT_EQ(rec.state.count("old.rs"), 0u) << rec.Dump();
  Unlink(R("old.rs"));  // known from the silent scan: its removal is reported
  EXPECT_TRUE(rec.WaitForState("old.rs", kRemoved)) << rec.Dump();
}

TEST_F(WatcherTest, CreateModifyDelete) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  WriteFile(R("src/a.rs"), "fn a() {}");
  ASSERT_TRUE(rec.WaitForState("src/a.rs", kChanged)) << rec.Dump();
  rec.Clear();
  {
    std::ofstream out(R("src/a.rs"), std::ios::app);
    out << "fn b() {}";
  }
  ASSERT_TRUE(rec.WaitForState("src/a.rs", kChanged)) << rec.Dump();
  rec.Clear();
  Unlink(R("src/a.rs"));
  ASSERT_TRUE(rec.WaitForState("src/a.rs", kRemoved)) << rec.Dump();
  EXPECT_EQ(rec.Count("src/a.rs", kChanged), 0) << rec.Dump();
}

TEST_F(WatcherTest, AWriteIsReportedBeforeTheFileIsClosed) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  const int fd = open(R("open.rs").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(rec.WaitForState("open.rs", kChanged));  // IN_CREATE
  rec.Clear();
  const std::string text = "fn still_open() {}";
  ASSERT_EQ(write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  EXPECT_TRUE(rec.WaitForState("open.rs", kChanged))
      << rec.Dump();  // IN_MODIFY
  close(fd);
}

TEST_F(WatcherTest, OnlyRustSourcesAndCargoTomlAreReported) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  for (const char* rel : {"README.md", "a.rs~", "4913", ".rs", "b.rsx",
                          "cargo.toml", "Cargo.lock", "sub/x.txt"}) {
    WriteFile(R(rel), "x");
  }
  WriteFile(R("crate/Cargo.toml"), "[package]\nname = \"c\"\n");
  WriteFile(R("crate/src/main.rs"), "fn main() {}");
  ASSERT_TRUE(rec.WaitForStates(
      {{"crate/Cargo.toml", kChanged}, {"crate/src/main.rs", kChanged}}))
      << rec.Dump();
  EXPECT_EQ(rec.Paths(),
            (std::set<std::string>{"crate/Cargo.toml", "crate/src/main.rs"}))
      << rec.Dump();
  rec.Clear();
  WriteFile(R("crate/Cargo.toml"), "[package]\nname = \"renamed\"\n");
  EXPECT_TRUE(rec.WaitForState("crate/Cargo.toml", kChanged)) << rec.Dump();
}

TEST_F(WatcherTest, IgnoredDirectoriesReportNothing) {
  for (const char* rel :
       {"target/debug/a.rs", ".git/b.rs", ".cache/c.rs", "db/d.rs"}) {
    WriteFile(R(rel), "x");
  }
  WatchOptions options = Quiet();
  options.skip_abs = {R("db")};
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  // Existing ignored directories, and ones made after the start.
  for (const char* rel :
       {"target/debug/a.rs", "target/new.rs", ".git/b.rs", ".cache/c.rs",
        "db/d.rs", "db/sub/e.rs", "crate/target/debug/f.rs", ".new/g.rs",
        "crate/.idea/h.rs"}) {
    WriteFile(R(rel), "y");
  }
  Rename(R("target/new.rs"), R("target/renamed.rs"));
  Unlink(R(".git/b.rs"));
  WriteFile(R("crate/sync.rs"), "");
  ASSERT_TRUE(rec.WaitForState("crate/sync.rs", kChanged)) << rec.Dump();
  rec.Drain(milliseconds(100));
  EXPECT_EQ(rec.Paths(), std::set<std::string>{"crate/sync.rs"}) << rec.Dump();
}

TEST_F(WatcherTest, RenameWithinTheTree) {
  WriteFile(R("a.rs"), "fn a() {}");
  WriteFile(R("c.rs"), "fn c() {}");
  fs::create_directories(R("sub"));
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(R("a.rs"), R("b.rs"));
  Rename(R("c.rs"), R("sub/c.rs"));
  EXPECT_TRUE(rec.WaitForStates({{"a.rs", kRemoved},
                                 {"b.rs", kChanged},
                                 {"c.rs", kRemoved},
                                 {"sub/c.rs", kChanged}}))
      << rec.Dump();
}

// Write a temporary file, rename it over the target (VS Code and many tools).
TEST_F(WatcherTest, AtomicSaveByRenameIsOneChange) {
  WriteFile(R("src/a.rs"), "fn v0() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  for (int i = 1; i <= 5; ++i) {
    const std::string tmp =
        i % 2 ? R("src/.a.rs.tmp") : R("src/a.rs.tmp" + std::to_string(i));
    WriteFile(tmp, "fn v" + std::to_string(i) + "() {}");
    Rename(tmp, R("src/a.rs"));
    // A temporary name that looks like a source file, too.
    WriteFile(R("src/tmp_save.rs"), "fn tmp() {}");
    Rename(R("src/tmp_save.rs"), R("src/a.rs"));
    if (i == 3) {  // also with the watcher reading between saves
      ASSERT_TRUE(rec.WaitForState("src/a.rs", kChanged)) << rec.Dump();
    }
  }
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(
      rec.WaitForStates({{"sync.rs", kChanged}, {"src/a.rs", kChanged}}))
      << rec.Dump();
  EXPECT_EQ(rec.Count("src/a.rs", kRemoved), 0) << rec.Dump();
  EXPECT_EQ(rec.Paths(), (std::set<std::string>{"src/a.rs", "sync.rs"}))
      << rec.Dump();
}

// vim's default: rename the original to `file~`, probe with `4913`, write a
// new file, delete the backup.
void VimSave(const std::string& dir, const std::string& name,
             const std::string& text) {
  const std::string file = dir + "/" + name;
  WriteFile(dir + "/4913", "");
  Unlink(dir + "/4913");
  Rename(file, file + "~");
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  ASSERT_EQ(fsync(fd), 0);
  ASSERT_EQ(close(fd), 0);
  Unlink(file + "~");
}

TEST_F(WatcherTest, VimSaveIsOneChange) {
  WriteFile(R("src/lib.rs"), "fn v0() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  for (int i = 1; i <= 5; ++i) {
    VimSave(R("src"), "lib.rs", "fn v" + std::to_string(i) + "() {}");
    if (i == 3) {
      ASSERT_TRUE(rec.WaitForState("src/lib.rs", kChanged)) << rec.Dump();
    }
  }
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(
      rec.WaitForStates({{"sync.rs", kChanged}, {"src/lib.rs", kChanged}}))
      << rec.Dump();
  EXPECT_EQ(rec.Count("src/lib.rs", kRemoved), 0) << rec.Dump();
  EXPECT_EQ(rec.Paths(), (std::set<std::string>{"src/lib.rs", "sync.rs"}))
      << rec.Dump();
}

// The watcher makes a batch while vim's original is renamed away: the
// removal waits for removal_grace, and the new file turns it into a change.
TEST_F(WatcherTest, AtomicSaveSpanningABatchIsStillOneChange) {
  WriteFile(R("lib.rs"), "fn v0() {}");
  WatchOptions options = Quiet();
  options.removal_grace = std::chrono::seconds(3);
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(R("lib.rs"), R("lib.rs~"));
  WriteFile(R("other.rs"), "");
  ASSERT_TRUE(rec.WaitForState("other.rs", kChanged)) << rec.Dump();
  rec.Drain(milliseconds(50));  // more batches while lib.rs is missing
  WriteFile(R("lib.rs"), "fn v1() {}");
  Unlink(R("lib.rs~"));
  ASSERT_TRUE(rec.WaitForState("lib.rs", kChanged)) << rec.Dump();
  EXPECT_EQ(rec.Count("lib.rs", kRemoved), 0) << rec.Dump();
}

TEST_F(WatcherTest, CreatedAndDeletedBetweenBatchesIsNotReported) {
  WriteFile(R("known.rs"), "fn k() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  // All while no Next() runs: the events are read together.
  WriteFile(R("brief.rs"), "fn b() {}");
  Unlink(R("brief.rs"));
  Unlink(R("known.rs"));
  WriteFile(R("known.rs"), "fn k2() {}");  // deleted + recreated: changed
  fs::create_directories(R("flash/deep"));
  WriteFile(R("flash/deep/f.rs"), "");
  fs::remove_all(R("flash"));
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(
      rec.WaitForStates({{"sync.rs", kChanged}, {"known.rs", kChanged}}))
      << rec.Dump();
  rec.Drain(milliseconds(100));
  EXPECT_EQ(rec.Paths(), (std::set<std::string>{"known.rs", "sync.rs"}))
      << rec.Dump();
  EXPECT_EQ(rec.Count("known.rs", kRemoved), 0) << rec.Dump();
}

TEST_F(WatcherTest, ManyWritesToOneFileAreOneEntry) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  for (int i = 0; i < 200; ++i) {
    WriteFile(R("hot.rs"), "fn v" + std::to_string(i) + "() {}");
  }
  ASSERT_TRUE(rec.WaitForState("hot.rs", kChanged)) << rec.Dump();
  rec.Drain(milliseconds(100));
  EXPECT_EQ(rec.BatchesWith("hot.rs"), 1) << rec.Dump();
  EXPECT_EQ(rec.all.size(), 1u) << rec.Dump();
}

// A stream that never pauses for `debounce` is still flushed (max_delay).
TEST_F(WatcherTest, AContinuousStreamIsFlushedAfterMaxDelay) {
  WatchOptions options = Quiet();
  options.debounce = milliseconds(500);
  options.max_delay = milliseconds(20);
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  std::atomic<bool> seen{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    const Clock::time_point give_up = Clock::now() + kPatience;
    while (!seen.load() && Clock::now() < give_up) {
      WriteFile(R("stream.rs"), "fn v" + std::to_string(writes++) + "() {}");
      std::this_thread::sleep_for(milliseconds(2));
    }
  });
  Recorder rec(*w);
  const bool got = rec.WaitForState("stream.rs", kChanged);
  seen.store(true);
  writer.join();
  EXPECT_TRUE(got) << rec.Dump();
  // Every batch mentions the file at most once (checked by the recorder).
  EXPECT_LE(rec.BatchesWith("stream.rs"), writes.load());
}

TEST_F(WatcherTest, FileMovedIntoTheTree) {
  fs::create_directories(R("sub"));
  WriteFile(O("in.rs"), "fn i() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(O("in.rs"), R("sub/in.rs"));
  EXPECT_TRUE(rec.WaitForState("sub/in.rs", kChanged)) << rec.Dump();
}

TEST_F(WatcherTest, FileMovedOutOfTheTree) {
  WriteFile(R("sub/out.rs"), "fn o() {}");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(R("sub/out.rs"), O("out.rs"));
  EXPECT_TRUE(rec.WaitForState("sub/out.rs", kRemoved)) << rec.Dump();
}

TEST_F(WatcherTest, DirectoryMovedIntoTheTree) {
  WriteFile(O("pkg/Cargo.toml"), "[package]\nname = \"pkg\"\n");
  WriteFile(O("pkg/src/lib.rs"), "mod m;");
  WriteFile(O("pkg/src/m/n.rs"), "fn n() {}");
  WriteFile(O("pkg/target/t.rs"), "");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(O("pkg"), R("pkg"));
  ASSERT_TRUE(rec.WaitForStates({{"pkg/Cargo.toml", kChanged},
                                 {"pkg/src/lib.rs", kChanged},
                                 {"pkg/src/m/n.rs", kChanged}}))
      << rec.Dump();
  // Its directories are watched now.
  WriteFile(R("pkg/src/m/new.rs"), "");
  EXPECT_TRUE(rec.WaitForState("pkg/src/m/new.rs", kChanged)) << rec.Dump();
  EXPECT_EQ(rec.state.count("pkg/target/t.rs"), 0u) << rec.Dump();
}

TEST_F(WatcherTest, DirectoryMovedOutOfTheTree) {
  WriteFile(R("pkg/Cargo.toml"), "[package]\nname = \"pkg\"\n");
  WriteFile(R("pkg/src/lib.rs"), "mod m;");
  WriteFile(R("pkg/src/m/n.rs"), "fn n() {}");
  WriteFile(R("keep.rs"), "");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(R("pkg"), O("pkg"));
  ASSERT_TRUE(rec.WaitForStates({{"pkg/Cargo.toml", kRemoved},
                                 {"pkg/src/lib.rs", kRemoved},
                                 {"pkg/src/m/n.rs", kRemoved}}))
      << rec.Dump();
  rec.Clear();
  // Out of the tree: no longer watched.
  WriteFile(O("pkg/src/m/after.rs"), "");
  WriteFile(O("pkg/src/lib.rs"), "mod changed;");
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(rec.WaitForState("sync.rs", kChanged)) << rec.Dump();
  rec.Drain(milliseconds(100));
  EXPECT_EQ(rec.Paths(), std::set<std::string>{"sync.rs"}) << rec.Dump();
}

TEST_F(WatcherTest, DirectoryRenamedWithinTheTree) {
  WriteFile(R("a/x.rs"), "");
  WriteFile(R("a/b/y.rs"), "");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  Rename(R("a"), R("c"));
  ASSERT_TRUE(rec.WaitForStates({{"a/x.rs", kRemoved},
                                 {"a/b/y.rs", kRemoved},
                                 {"c/x.rs", kChanged},
                                 {"c/b/y.rs", kChanged}}))
      << rec.Dump();
  rec.Clear();
  WriteFile(R("c/b/z.rs"), "");
  WriteFile(R("c/b/y.rs"), "fn y() {}");
  ASSERT_TRUE(
      rec.WaitForStates({{"c/b/z.rs", kChanged}, {"c/b/y.rs", kChanged}}))
      << rec.Dump();
  EXPECT_EQ(rec.Paths(), (std::set<std::string>{"c/b/y.rs", "c/b/z.rs"}))
      << rec.Dump();
}

TEST_F(WatcherTest, NestedDirectoriesCreatedLaterAreFollowed) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  std::map<std::string, ChangeKind> want;
  for (int i = 0; i < 10; ++i) {
    const std::string top = "n" + std::to_string(i);
    fs::create_directories(R(top + "/a/b/c"));  // mkdir -p
    WriteFile(R(top + "/a/b/c/deep.rs"), "");
    WriteFile(R(top + "/a/mid.rs"), "");
    want[top + "/a/b/c/deep.rs"] = kChanged;
    want[top + "/a/mid.rs"] = kChanged;
    if (i == 4) {
      ASSERT_TRUE(rec.WaitForStates(want)) << rec.Dump();
    }
  }
  ASSERT_TRUE(rec.WaitForStates(want)) << rec.Dump();
  rec.Clear();
  WriteFile(R("n9/a/b/c/deep.rs"), "fn later() {}");
  WriteFile(R("n9/a/b/c/new.rs"), "");
  EXPECT_TRUE(rec.WaitForStates(
      {{"n9/a/b/c/deep.rs", kChanged}, {"n9/a/b/c/new.rs", kChanged}}))
      << rec.Dump();
}

// The watcher reads on its own thread (as in the actor) while directories
// and files appear: each new directory races its watch against the files.
TEST_F(WatcherTest, DirectoriesCreatedWhileTheWatcherRuns) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  std::mutex mu;
  std::map<std::string, ChangeKind> state;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      if (std::optional<WatchBatch> batch = w->Next(milliseconds(20))) {
        std::lock_guard<std::mutex> lock(mu);
        for (const FileChange& c : batch->changes) state[c.path] = c.kind;
      }
    }
  });
  std::set<std::string> want;
  for (int i = 0; i < 30; ++i) {
    const std::string dir = "t" + std::to_string(i) + "/a/b";
    fs::create_directories(R(dir));
    WriteFile(R(dir + "/f.rs"), "");
    want.insert(dir + "/f.rs");
  }
  bool all = false;
  const Clock::time_point give_up = Clock::now() + kPatience;
  while (!all && Clock::now() < give_up) {
    {
      std::lock_guard<std::mutex> lock(mu);
      all = std::all_of(want.begin(), want.end(), [&](const std::string& p) {
        auto it = state.find(p);
        return it != state.end() && it->second == kChanged;
      });
    }
    if (!all) std::this_thread::sleep_for(milliseconds(10));
  }
  done.store(true);
  reader.join();
  EXPECT_TRUE(all);
}

TEST_F(WatcherTest, DeletingADirectoryTreeRemovesItsFiles) {
  WriteFile(R("d/Cargo.toml"), "");
  WriteFile(R("d/a.rs"), "");
  WriteFile(R("d/e/f.rs"), "");
  WriteFile(R("d/e/g/h.rs"), "");
  WriteFile(R("keep.rs"), "");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  fs::remove_all(R("d"));
  ASSERT_TRUE(rec.WaitForStates({{"d/Cargo.toml", kRemoved},
                                 {"d/a.rs", kRemoved},
                                 {"d/e/f.rs", kRemoved},
                                 {"d/e/g/h.rs", kRemoved}}))
      << rec.Dump();
  EXPECT_EQ(rec.state.count("keep.rs"), 0u);
  // The same names again: a new directory, followed again.
  WriteFile(R("d/e/f.rs"), "fn again() {}");
  EXPECT_TRUE(rec.WaitForState("d/e/f.rs", kChanged)) << rec.Dump();
}

TEST_F(WatcherTest, DeletingTheRootRemovesEverything) {
  TempDir base;
  const std::string root = base / "ws";
  WriteFile(root + "/a.rs", "");
  WriteFile(root + "/src/b.rs", "");
  WatchOptions options = Quiet();
  options.root = root;
  absl::StatusOr<std::unique_ptr<Watcher>> w = Watcher::Start(options);
  ASSERT_TRUE(w.ok()) << w.status();
  Recorder rec(**w);
  fs::remove_all(root);
  ASSERT_TRUE(rec.WaitForStates({{"a.rs", kRemoved}, {"src/b.rs", kRemoved}}))
      << rec.Dump();
  ASSERT_TRUE(rec.WaitFor([&] { return rec.Warned("root"); })) << rec.Dump();
}

TEST_F(WatcherTest, WatchLimitFallsBackToPolling) {
  WriteFile(R("top.rs"), "");
  WriteFile(R("sub/x.rs"), "fn x() {}");
  WriteFile(R("sub/deep/y.rs"), "fn y() {}");
  WatchOptions options = Quiet();
  options.max_watches = 1;  // the root only
  options.rescan_interval = milliseconds(50);
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  ASSERT_TRUE(rec.WaitFor([&] { return rec.Warned("max_watches"); }))
      << rec.Dump();
  EXPECT_TRUE(rec.Warned("sub")) << rec.Dump();
  EXPECT_TRUE(rec.all.empty()) << rec.Dump();

  // Seen by polling only: the directories have no watch.
  WriteFile(R("sub/x.rs"), "fn x() { /* longer now */ }");
  WriteFile(R("sub/deep/new.rs"), "");
  Unlink(R("sub/deep/y.rs"));
  ASSERT_TRUE(rec.WaitForStates({{"sub/x.rs", kChanged},
                                 {"sub/deep/new.rs", kChanged},
                                 {"sub/deep/y.rs", kRemoved}}))
      << rec.Dump();
  // A directory made later cannot be watched either: scanned, then polled.
  fs::create_directories(R("late/a"));
  WriteFile(R("late/a/z.rs"), "");
  ASSERT_TRUE(rec.WaitForState("late/a/z.rs", kChanged)) << rec.Dump();
  rec.Clear();
  WriteFile(R("late/a/z.rs"), "fn z() {}");
  EXPECT_TRUE(rec.WaitForState("late/a/z.rs", kChanged)) << rec.Dump();
  // The watched root still reports through inotify.
  WriteFile(R("top.rs"), "fn top() {}");
  EXPECT_TRUE(rec.WaitForState("top.rs", kChanged)) << rec.Dump();
}

TEST_F(WatcherTest, NoWatchAtAllPollsTheWholeTree) {
  WriteFile(R("a.rs"), "");
  WatchOptions options;
  options.max_watches = 0;
  options.rescan_interval = milliseconds(50);
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  ASSERT_TRUE(rec.WaitFor([&] { return rec.Warned("polling 1 directory"); }))
      << rec.Dump();
  ASSERT_TRUE(rec.WaitForState("a.rs", kChanged)) << rec.Dump();  // initial
  WriteFile(R("src/b.rs"), "");
  Unlink(R("a.rs"));
  EXPECT_TRUE(rec.WaitForStates({{"src/b.rs", kChanged}, {"a.rs", kRemoved}}))
      << rec.Dump();
}

// The path taken when inotify cannot be started (instance limit).
TEST_F(WatcherTest, WithoutInotifyEverythingIsPolled) {
  WriteFile(R("a.rs"), "fn a() {}");
  WriteFile(R("src/b.rs"), "fn b() {}");
  WatchOptions options = Quiet();
  options.use_inotify = false;
  options.rescan_interval = milliseconds(50);
  std::unique_ptr<Watcher> w = Start(options);
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  ASSERT_TRUE(rec.WaitFor([&] { return rec.Warned("inotify is off"); }))
      << rec.Dump();
  WriteFile(R("src/b.rs"), "fn b() { /* longer */ }");
  fs::create_directories(R("new/dir"));
  WriteFile(R("new/dir/c.rs"), "");
  Unlink(R("a.rs"));
  EXPECT_TRUE(rec.WaitForStates(
      {{"src/b.rs", kChanged}, {"new/dir/c.rs", kChanged}, {"a.rs", kRemoved}}))
      << rec.Dump();
  EXPECT_EQ(rec.Paths(),
            (std::set<std::string>{"a.rs", "new/dir/c.rs", "src/b.rs"}))
      << rec.Dump();
}

TEST_F(WatcherTest, SymlinkedDirectoriesAreNotFollowed) {
  WriteFile(O("elsewhere/x.rs"), "");
  ASSERT_EQ(symlink(O("elsewhere").c_str(), R("link").c_str()), 0);
  std::unique_ptr<Watcher> w = Start();
  ASSERT_NE(w, nullptr);
  Recorder rec(*w);
  WriteFile(O("elsewhere/y.rs"), "");
  WriteFile(R("sync.rs"), "");
  ASSERT_TRUE(rec.WaitForState("sync.rs", kChanged)) << rec.Dump();
  rec.Drain(milliseconds(100));
  EXPECT_EQ(rec.Paths(), std::set<std::string>{"sync.rs"}) << rec.Dump();
}

TEST_F(WatcherTest, QueueOverflowRescansTheTree) {
  long max_queued = 0;
  {
    std::ifstream in("/proc/sys/fs/inotify/max_queued_events");
    in >> max_queued;
  }
  if (max_queued <= 0 || max_queued > 200000) {
    GTEST_SKIP() << "max_queued_events = " << max_queued;
  }
  WriteFile(R("f0.rs"), "");
  WriteFile(R("f1.rs"), "");
  WriteFile(R("gone.rs"), "");
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  // No Next() runs: the queue fills up (one IN_MODIFY per write).
  // Alternating files defeats the kernel's merging of identical consecutive
  // events.
  const int fds[2] = {open(R("f0.rs").c_str(), O_WRONLY),
                      open(R("f1.rs").c_str(), O_WRONLY)};
  ASSERT_GE(fds[0], 0);
  ASSERT_GE(fds[1], 0);
  for (long i = 0; i < max_queued + 100; ++i) {
    ASSERT_EQ(write(fds[i % 2], "x", 1), 1);
  }
  close(fds[0]);
  close(fds[1]);
  // Dropped events: only the rescan can see these.
  WriteFile(R("late/new.rs"), "");
  Unlink(R("gone.rs"));
  Recorder rec(*w);
  ASSERT_TRUE(rec.WaitForStates({{"f0.rs", kChanged},
                                 {"f1.rs", kChanged},
                                 {"late/new.rs", kChanged},
                                 {"gone.rs", kRemoved}}))
      << rec.Dump();
  EXPECT_TRUE(rec.Warned("overflow")) << rec.Dump();
  // The rebuilt watches work.
  rec.Clear();
  WriteFile(R("late/after.rs"), "");
  EXPECT_TRUE(rec.WaitForState("late/after.rs", kChanged)) << rec.Dump();
}

TEST_F(WatcherTest, NextTimesOutWhenNothingHappens) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  EXPECT_FALSE(w->Next(milliseconds(30)).has_value());
}

TEST_F(WatcherTest, NextWithZeroTimeoutMakesProgress) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  WriteFile(R("zero.rs"), "");
  std::optional<WatchBatch> batch;
  const Clock::time_point give_up = Clock::now() + kPatience;
  while (!batch && Clock::now() < give_up) {
    batch = w->Next(milliseconds(0));
    if (!batch) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->changes, (std::vector<FileChange>{{"zero.rs", kChanged}}));
}

TEST_F(WatcherTest, StopWakesABlockedNext) {
  std::unique_ptr<Watcher> w = Start(Quiet());
  ASSERT_NE(w, nullptr);
  std::atomic<bool> returned{false};
  std::optional<WatchBatch> result;
  std::thread blocked([&] {
    result = w->Next(std::chrono::minutes(10));
    returned.store(true);
  });
  // Not needed for correctness: lets the thread block in poll() first.
  std::this_thread::sleep_for(milliseconds(50));
  w->Stop();
  blocked.join();  // would hang (and time the test out) if Stop did not wake it
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(result.has_value());
  // Later calls return at once, even with events pending.
  WriteFile(R("after.rs"), "");
  EXPECT_FALSE(w->Next(std::chrono::minutes(10)).has_value());
}

}  // namespace
}  // namespace aim::host
