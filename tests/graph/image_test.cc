// Graph images: a loaded graph is the saved one (same entities, edges, list
// orders, tables; same Digest; the same bytes when saved again), later
// edits behave on it exactly as on the original, and any damaged image is
// an error or a graph that is safe to use, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "engine/graph/graph.h"
#include "tests/support/graph_fixture.h"
#include "tests/support/random_edits.h"

namespace {

using aim::graph::Edge;
using aim::graph::EntityIdx;
using aim::graph::Graph;
using aim::testing::RandomEditor;

std::string Image(const Graph& g) {
  std::string s;
  g.SaveImage(&s);
  return s;
}

std::unique_ptr<Graph> Load(std::string_view image) {
  auto g = Graph::LoadImage(image);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? std::move(*g) : std::make_unique<Graph>();
}

bool SameEdges(std::span<const Edge> a, std::span<const Edge> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].other != b[i].other || a[i].file != b[i].file ||
        a[i].line != b[i].line || a[i].kind != b[i].kind ||
        a[i].confidence != b[i].confidence || a[i].flags != b[i].flags)
      return false;
  return true;
}

// Everything a reader of the graph can see is the same, slot for slot and
// in list order.
void ExpectSameReaderView(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.slot_count(), b.slot_count());
  EXPECT_EQ(a.entity_count(), b.entity_count());
  EXPECT_EQ(a.edge_count(), b.edge_count());
  EXPECT_EQ(a.file_count(), b.file_count());
  EXPECT_EQ(a.Files(), b.Files());
  EXPECT_EQ(a.Digest(), b.Digest());
  for (EntityIdx e = 0; e < a.slot_count(); ++e) {
    ASSERT_EQ(a.live(e), b.live(e)) << "slot " << e;
    if (!a.live(e)) continue;
    const auto& x = a.entity(e);
    const auto& y = b.entity(e);
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(a.SigHash(x), b.SigHash(y));
    EXPECT_EQ(a.qualified(x).str(), b.qualified(y).str());
    EXPECT_EQ(a.str(x.sig), b.str(y.sig));
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.file, y.file);
    EXPECT_EQ(x.line, y.line);
    EXPECT_EQ(x.kind, y.kind);
    // (How a path is held, whole or as parent and name, may differ: an
    // image before format 7 holds each whole.)
    EXPECT_EQ(x.flags & ~aim::graph::kHeldFlags,
              y.flags & ~aim::graph::kHeldFlags);
    EXPECT_TRUE(SameEdges(a.out(e), b.out(e))) << a.qualified(x).str();
    EXPECT_TRUE(SameEdges(a.in(e), b.in(e))) << a.qualified(x).str();
    auto na = a.ByName(a.str(x.name));
    auto nb = b.ByName(b.str(y.name));
    EXPECT_TRUE(std::equal(na.begin(), na.end(), nb.begin(), nb.end()));
    EXPECT_EQ(b.ById(x.id), e);
  }
  for (const auto& [path, hash] : a.Files()) EXPECT_EQ(b.FileHash(path), hash);
  // And what is not there is not found.
  EXPECT_TRUE(b.ByName("no such name").empty());
  EXPECT_EQ(b.ById(0x0123456789abcdefULL), a.ById(0x0123456789abcdefULL));
  EXPECT_EQ(b.FileHash("no/such/file.rs"), 0u);
}

// ... and saving both gives the same bytes (which covers the resolution
// state too). A graph loaded from an image older than format 4 does not
// know what each crate may use: it is compared in format 3, which does not
// say; one loaded from an image older than format 7 holds its paths whole
// and is compared in its own format. (Format 7 is the current one.)
// Where two images of `format` first differ (below).
std::string DiffAt(const std::string& a, const std::string& b, int format);

void ExpectSameGraph(const Graph& a, const Graph& b, uint8_t format = 7) {
  ExpectSameReaderView(a, b);
  EXPECT_FALSE(b.query_only());
  std::string image_a, image_b;
  a.SaveImageForTesting(&image_a, format);
  b.SaveImageForTesting(&image_b, format);
  EXPECT_TRUE(image_a == image_b)
      << "images differ" << DiffAt(image_a, image_b, format);
}

// A runner that runs the tasks it is given at once, a thread each.
void RunAtOnce(std::span<const std::function<void()>> tasks) {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < tasks.size(); ++i) threads.emplace_back(tasks[i]);
  if (!tasks.empty()) tasks[0]();
  for (auto& t : threads) t.join();
}

// The graph's image in format 2: lists out of E order written out whole,
// no list orders (IMAGE_FORMAT.md); a reader of format 3 sorts the lists.
std::string FormatTwo(const Graph& g) {
  std::string s;
  g.SaveImageForTesting(&s, 2);
  return s;
}

// An image of format 2 in format 1: no section directory.
constexpr size_t kDirectoryBytes = 7 * 8;
std::string FormatOne(const std::string& format_two) {
  return "\x01" + format_two.substr(1, format_two.size() - 1 - kDirectoryBytes);
}

// Where section i (in the directory's order) of an image starts.
size_t SectionAt(const std::string& image, size_t i) {
  uint64_t at = 0;
  std::memcpy(&at, image.data() + image.size() - kDirectoryBytes + 8 * i,
              8);  // (a little-endian host)
  return at;
}

// Where two images of `format` first differ, and the first's sections.
std::string DiffAt(const std::string& a, const std::string& b, int format) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string s = ": format " + std::to_string(format) + ", byte " +
                  std::to_string(i) + " of " + std::to_string(a.size()) +
                  " and " + std::to_string(b.size()) + "; sections at";
  for (size_t k = 0; k < 7 && a.size() >= kDirectoryBytes; ++k)
    s += " " + std::to_string(SectionAt(a, k));
  return s;
}

// The varint at `at` in an image; moves `at` past it.
uint64_t ReadVarint(const std::string& image, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = static_cast<uint8_t>(image[at++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) return v;
  }
}

// A sink that takes the image in the pieces it is given.
struct PieceSink : aim::graph::ImageSink {
  void Write(std::string_view bytes) override {
    text.append(bytes);
    ++pieces;
  }
  std::string text;
  size_t pieces = 0;
};

void ExpectRoundTrip(const Graph& g) {
  const std::string image = Image(g);
  ASSERT_FALSE(image.empty());
  std::unique_ptr<Graph> loaded = Load(image);
  ExpectSameGraph(g, *loaded);
  EXPECT_EQ(Image(g), image) << "saving twice gives other bytes";
  // Sections loaded at once, and an image of the first format.
  auto at_once = Graph::LoadImage(image, RunAtOnce);
  ASSERT_TRUE(at_once.ok()) << at_once.status();
  ExpectSameGraph(g, **at_once);
  // Images of the older formats load as the same graph, lists in order:
  // format 5 (references in columns, their lookups in the deps section:
  // packed on load), on one thread and on two, whole and for queries.
  std::string v5_image;
  g.SaveImageForTesting(&v5_image, 5);
  for (bool two : {false, true}) {
    const aim::graph::RunTasks run = two ? RunAtOnce : aim::graph::RunTasks();
    auto v5 = Graph::LoadImage(v5_image, run);
    ASSERT_TRUE(v5.ok()) << v5.status();
    ExpectSameGraph(g, **v5, 5);
    auto v5q = Graph::LoadImage(v5_image, run, Graph::ImageParts::kQueries);
    ASSERT_TRUE(v5q.ok()) << v5q.status();
    ExpectSameReaderView(g, **v5q);
  }
  const std::string v2_image = FormatTwo(g);
  auto v2 = Graph::LoadImage(v2_image, RunAtOnce);
  ASSERT_TRUE(v2.ok()) << v2.status();
  ExpectSameGraph(g, **v2, 3);
  auto v1 = Graph::LoadImage(FormatOne(v2_image));
  ASSERT_TRUE(v1.ok()) << v1.status();
  ExpectSameGraph(g, **v1, 3);
  // What queries read only, on one thread and on two; the first format
  // is read whole whatever was asked.
  for (bool two : {false, true}) {
    auto q = Graph::LoadImage(image, two ? RunAtOnce : aim::graph::RunTasks(),
                              Graph::ImageParts::kQueries);
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_TRUE((*q)->query_only());
    ExpectSameReaderView(g, **q);
    EXPECT_LE((*q)->MemoryBytes(), loaded->MemoryBytes());
  }
  auto v2q = Graph::LoadImage(v2_image, nullptr, Graph::ImageParts::kQueries);
  ASSERT_TRUE(v2q.ok()) << v2q.status();
  ExpectSameReaderView(g, **v2q);
  auto v1q = Graph::LoadImage(FormatOne(v2_image), nullptr, Graph::ImageParts::kQueries);
  ASSERT_TRUE(v1q.ok()) << v1q.status();
  ExpectSameGraph(g, **v1q, 3);
  // Streamed to a sink: the same bytes.
  PieceSink sink;
  g.SaveImage(sink);
  EXPECT_TRUE(sink.text == image) << "a sink gets other bytes";
}

TEST(ImageTest, EmptyGraph) {
  Graph g;
  ExpectRoundTrip(g);
}

TEST(ImageTest, FixtureCrates) {
  for (const char* name : {"shapes", "tricky", "workspace"}) {
    SCOPED_TRACE(name);
    auto inputs = aim::testing::LoadTree(std::string(AIM_SOURCE_DIR) +
                                         "/tests/fixtures/" + name);
    ASSERT_FALSE(inputs.empty());
    Graph g;
    aim::testing::IngestAll(g, inputs);
    ASSERT_GT(g.edge_count(), 0u);
    ExpectRoundTrip(g);
  }
}

TEST(ImageTest, RealCrate) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1";
  auto inputs = aim::testing::LoadTree(dir);
  if (inputs.empty()) GTEST_SKIP() << dir << " not installed";
  Graph g;
  aim::testing::IngestAll(g, inputs);
  ASSERT_GT(g.entity_count(), 1000u);
  ExpectRoundTrip(g);
  // The same inputs in another graph: the same bytes.
  Graph again;
  aim::testing::IngestAll(again, inputs);
  EXPECT_TRUE(Image(again) == Image(g));
}

// An edge holds lines up to kMaxEdgeLine; a call written further down is
// placed there, the same way when built, edited and loaded.
TEST(ImageTest, LinesPastTheEdgesLimitArePlacedAtIt) {
  auto inputs = aim::testing::FromSources(
      "deep", {{"src/lib.rs", "fn a() { b(); }\nfn b() {}\n"}});
  ASSERT_EQ(inputs.size(), 1u);
  ASSERT_EQ(inputs[0].facts.calls.size(), 1u);
  auto at_line = [&](uint32_t line) {
    aim::graph::FileInput in = inputs[0];
    in.facts.calls[0].line = line;
    return in;
  };
  auto call_line = [](const Graph& g) -> uint32_t {
    for (EntityIdx e = 0; e < g.slot_count(); ++e)
      for (const Edge& ed : g.out(e))
        if (ed.kind == aim::model::EdgeKind::kCalls) {
          EXPECT_EQ(g.in(ed.other).front().line, ed.line);
          return ed.line;
        }
    ADD_FAILURE() << "no call";
    return 0;
  };
  Graph g;
  g.UpsertFile(at_line(aim::graph::kMaxEdgeLine + 5));
  EXPECT_EQ(call_line(g), aim::graph::kMaxEdgeLine);
  ExpectRoundTrip(g);
  g.UpsertFile(at_line(UINT32_MAX));  // the same edge: nothing changes
  EXPECT_EQ(call_line(g), aim::graph::kMaxEdgeLine);
  g.UpsertFile(at_line(aim::graph::kMaxEdgeLine - 1));
  EXPECT_EQ(call_line(g), aim::graph::kMaxEdgeLine - 1);
  Graph fresh;
  fresh.UpsertFile(at_line(aim::graph::kMaxEdgeLine - 1));
  EXPECT_EQ(g.Digest(), fresh.Digest());
  ExpectRoundTrip(g);
}

TEST(ImageTest, ImageOfLoadedGraphIsTheSame) {
  Graph g;
  for (const auto& [p, t] : aim::testing::kEditFixture)
    g.UpsertFile(aim::testing::SourceInput("fixture", p, t));
  const std::string image = Image(g);
  std::unique_ptr<Graph> once = Load(image);
  std::unique_ptr<Graph> twice = Load(Image(*once));
  EXPECT_TRUE(Image(*twice) == image);
}

// Edits `steps` times from `tree`, saving and loading the graph after
// `load_after` edits (made inside a batch still open at the save, if
// `in_batch`: references wait to be resolved again while entities they
// point to are gone); from then on applies every edit to both graphs and
// checks they stay the same, and at the end that both equal a fresh ingest.
// (An image older than format 7 loads with other string ids, each path
// held whole: edits after it are checked by digest.)
void EditAcrossLoad(const std::string& crate,
                    std::map<std::string, std::string> tree, uint64_t seed,
                    int load_after, bool in_batch, int steps, int check_every,
                    uint8_t format = 7) {
  Graph g;
  g.BeginBatch();
  for (const auto& [p, t] : tree)
    g.UpsertFile(aim::testing::SourceInput(crate, p, t));
  g.EndBatch();
  RandomEditor ed(std::move(tree), seed);
  if (in_batch) g.BeginBatch();
  for (int step = 0; step < load_after; ++step)
    aim::testing::ApplyEdit(g, crate, ed, ed.Step());
  std::string image;
  g.SaveImageForTesting(&image, format);
  std::unique_ptr<Graph> loaded = Load(image);
  if (in_batch) {
    g.EndBatch();
    loaded->EndBatch();
  }
  auto expect_same = [&] {
    if (format < 7) {
      EXPECT_EQ(g.Digest(), loaded->Digest());
      return;
    }
    ExpectSameGraph(g, *loaded);
  };
  ASSERT_NO_FATAL_FAILURE(expect_same());
  for (int step = 1; step <= steps; ++step) {
    auto edit = ed.Step();
    aim::testing::ApplyEdit(g, crate, ed, edit);
    aim::testing::ApplyEdit(*loaded, crate, ed, edit);
    if (step % check_every == 0 || step == steps) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", step " +
                   std::to_string(step) + ", edit " + edit.first);
      ASSERT_NO_FATAL_FAILURE(expect_same());
    }
  }
  Graph scratch;
  scratch.BeginBatch();
  for (const auto& [p, t] : ed.tree())
    scratch.UpsertFile(aim::testing::SourceInput(crate, p, t));
  scratch.EndBatch();
  EXPECT_EQ(loaded->Digest(), scratch.Digest()) << "seed " << seed;
}

TEST(ImageTest, EditsAfterLoadBehaveAsOnTheOriginal) {
  // Loading after some edits too: lists that edits left in another order
  // than a fresh ingest's are stored whole.
  for (uint64_t seed = 1; seed <= 60; ++seed)
    EditAcrossLoad("fixture", aim::testing::kEditFixture, seed,
                   static_cast<int>(seed % 3) * 10, seed % 2 == 0, 30, 1);
}

// A graph loaded from format 6 holds every path whole; the entities later
// edits make hold theirs as parent and name. Side by side they resolve as
// one graph would.
TEST(ImageTest, EditsAfterAnOlderFormatsLoad) {
  for (uint64_t seed = 1; seed <= 20; ++seed)
    EditAcrossLoad("fixture", aim::testing::kEditFixture, seed,
                   static_cast<int>(seed % 3) * 10, seed % 2 == 0, 30, 1, 6);
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1/src";
  auto tree = aim::testing::ReadSourceTree(dir);
  if (tree.empty()) GTEST_SKIP() << dir << " not installed";
  EditAcrossLoad("regex", tree, 2, 10, false, 20, 10, 6);
}

TEST(ImageTest, EditsAfterLoadOnARealCrate) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1/src";
  auto tree = aim::testing::ReadSourceTree(dir);
  if (tree.empty()) GTEST_SKIP() << dir << " not installed";
  for (uint64_t seed = 1; seed <= 3; ++seed)
    EditAcrossLoad("regex", tree, seed, static_cast<int>(seed) * 5, seed == 2,
                   20, 10);
}

TEST(ImageTest, SavedInsideABatch) {
  Graph g;
  g.BeginBatch();
  for (const auto& [p, t] : aim::testing::kEditFixture)
    g.UpsertFile(aim::testing::SourceInput("fixture", p, t));
  std::unique_ptr<Graph> loaded = Load(Image(g));  // nothing resolved yet
  g.EndBatch();
  loaded->EndBatch();
  ExpectSameGraph(g, *loaded);
  EXPECT_GT(loaded->edge_count(), 0u);
}

// ---- damage

// A small image (in `format`) with every section populated: edits leave
// lists out of E order and tables out of their fresh order.
std::string SmallImage(uint8_t format = 7) {
  Graph g;
  for (const auto& [p, t] : aim::testing::kEditFixture)
    g.UpsertFile(aim::testing::SourceInput("fixture", p, t));
  RandomEditor ed(aim::testing::kEditFixture, 7);
  for (int i = 0; i < 12; ++i)
    aim::testing::ApplyEdit(g, "fixture", ed, ed.Step());
  if (format == 2) return FormatTwo(g);
  if (format < 6) {
    std::string s;
    g.SaveImageForTesting(&s, format);
    return s;
  }
  return Image(g);
}

// Uses every reading path of a graph that loaded.
void Read(const Graph& g) {
  (void)g.Digest();
  (void)g.Files();
  (void)g.MemoryBytes();
  (void)aim::testing::EdgeStrings(g, true);
  for (EntityIdx e = 0; e < g.slot_count(); ++e) {
    if (!g.live(e)) continue;
    (void)g.ByName(g.str(g.entity(e).name));
    (void)g.ById(g.entity(e).id);
    for (const Edge& ed : g.out(e)) (void)g.str(ed.file);
    for (const Edge& ed : g.in(e)) (void)g.entity(ed.other);
  }
}

// ... and every writing path.
void Exercise(Graph& g) {
  Read(g);
  // Edits on top: resolution reads everything the image carried.
  auto files = g.Files();
  if (!files.empty()) g.RemoveFile(files.front().first);
  for (const auto& [p, t] : aim::testing::kEditFixture)
    g.UpsertFile(aim::testing::SourceInput("fixture", p, t));
  (void)g.Digest();
}

TEST(ImageTest, EveryTruncationIsAnError) {
  const std::string image = SmallImage();
  ASSERT_GT(image.size(), 100u);
  for (size_t n = 0; n < image.size(); ++n) {
    auto g = Graph::LoadImage(std::string_view(image).substr(0, n));
    ASSERT_FALSE(g.ok()) << "prefix of " << n << " bytes loaded";
    EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss) << g.status();
    if (n > 0) {
      EXPECT_NE(g.status().message().find(" at byte "), std::string::npos)
          << g.status();
    }
  }
}

TEST(ImageTest, EveryTruncationOfTheFirstFormatIsAnError) {
  const std::string image = FormatOne(SmallImage(2));
  ASSERT_TRUE(Graph::LoadImage(image).ok());
  for (size_t n = 0; n < image.size(); ++n) {
    auto g = Graph::LoadImage(std::string_view(image).substr(0, n));
    ASSERT_FALSE(g.ok()) << "prefix of " << n << " bytes loaded";
    EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss) << g.status();
  }
}

// The directory must name each section where it starts: any offset moved
// by a byte, or beyond the image, is an error.
TEST(ImageTest, SectionDirectoryMustPointAtEachSection) {
  const std::string image = SmallImage();
  const size_t dir = image.size() - kDirectoryBytes;
  ASSERT_EQ(image[dir - 1], 'Z');
  for (size_t i = 0; i < 7; ++i) {
    SCOPED_TRACE(i);
    uint64_t at = 0;
    std::memcpy(&at, image.data() + dir + 8 * i, 8);  // little-endian host
    for (uint64_t moved : {at - 1, at + 1, uint64_t{1} << 40}) {
      std::string damaged = image;
      std::memcpy(damaged.data() + dir + 8 * i, &moved, 8);
      for (bool at_once : {false, true}) {
        auto g = at_once ? Graph::LoadImage(damaged, RunAtOnce)
                         : Graph::LoadImage(damaged);
        ASSERT_FALSE(g.ok()) << moved;
        EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss);
      }
    }
  }
}

TEST(ImageTest, LargeImageStreamsInPieces) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/tokio-1.24.2";
  auto inputs = aim::testing::LoadTree(dir);
  if (inputs.empty()) GTEST_SKIP() << dir << " not installed";
  Graph g;
  aim::testing::IngestAll(g, inputs);
  PieceSink sink;
  g.SaveImage(sink);
  const std::string image = Image(g);
  // (Pieces are of about a MiB: at least one full one and the rest.)
  ASSERT_GT(image.size(), 3u << 19);
  EXPECT_GE(sink.pieces, 2u);
  EXPECT_GE(sink.pieces, image.size() >> 20);
  EXPECT_TRUE(sink.text == image);
}

TEST(ImageTest, TrailingBytesAreAnError) {
  std::string image = SmallImage() + "x";
  auto g = Graph::LoadImage(image);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss);
}

// Loads 3,000 copies of a small image, each with 1-3 random bytes
// changed: every load is a DataLoss/FailedPrecondition error or a graph
// `use` can use (ASan checks that it stays in bounds).
void ByteFlipTrials(
    uint64_t seed,
    const std::function<absl::StatusOr<std::unique_ptr<Graph>>(
        const std::string&, int trial)>& load,
    const std::function<void(Graph&)>& use) {
  const std::string image = SmallImage();
  std::mt19937_64 rng(seed);
  int loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string damaged = image;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      size_t at = rng() % damaged.size();
      damaged[at] = static_cast<char>(damaged[at] ^ (1 + rng() % 255));
    }
    auto g = load(damaged, trial);
    if (!g.ok()) {
      EXPECT_TRUE(g.status().code() == absl::StatusCode::kDataLoss ||
                  g.status().code() == absl::StatusCode::kFailedPrecondition)
          << g.status();
      continue;
    }
    ++loaded;
    use(**g);
  }
  // Many flips land in text or line numbers, which no check can tell.
  EXPECT_GT(loaded, 0);
}

TEST(ImageTest, ByteFlipsAreErrorsOrSafeGraphs) {
  ByteFlipTrials(
      42,
      [](const std::string& damaged, int trial) {
        return trial % 2 ? Graph::LoadImage(damaged, RunAtOnce)
                         : Graph::LoadImage(damaged);
      },
      Exercise);
}

TEST(ImageTest, NewerVersionIsFailedPrecondition) {
  std::string image = SmallImage();
  image[0] = static_cast<char>(image[0] + 1);
  auto g = Graph::LoadImage(image);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kFailedPrecondition)
      << g.status();
  image[0] = 0;
  g = Graph::LoadImage(image);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss) << g.status();
}

TEST(ImageTest, ClusteredStringHashesAreAnError) {
  // Real hashes spread; hostile ones could make filing strings quadratic.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "pub fn f" + std::to_string(i) + "() {}\n";
  Graph g;
  g.UpsertFile(aim::testing::SourceInput("many", "src/lib.rs", text));
  std::string image = Image(g);
  // Walk to the strings' hash column (IMAGE_FORMAT.md) and make all equal.
  size_t at = 2;  // version, tag
  const uint64_t n = ReadVarint(image, at);
  ReadVarint(image, at);  // bytes
  for (uint64_t i = 1; i < n; ++i) ReadVarint(image, at);
  at += (n - 1 + 7) / 8;
  const uint64_t n_hashes = ReadVarint(image, at);
  ASSERT_GT(n_hashes, 2000u);
  for (uint64_t i = 0; i < n_hashes; ++i)
    image.replace(at + 4 * i, 4, std::string("\x2a\0\0\0", 4));
  auto loaded = Graph::LoadImage(image);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("strings.hash"), std::string::npos)
      << loaded.status();
}

TEST(ImageTest, ErrorsNameTheField) {
  std::string image = SmallImage();
  image[1] = 'X';  // the strings section's tag
  auto g = Graph::LoadImage(image);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(),
            "graph image: strings tag at byte 1: expected section tag 83, "
            "found 88");
}

// The edges section ends with the lists' orders; its last byte is a
// position in the last list put in order (a small one: one byte). Out of
// the list, it is an error that names the field, whole or for queries.
TEST(ImageTest, ListOrderOutOfRangeIsAnError) {
  std::string image = SmallImage();
  const size_t tables_at = SectionAt(image, 4);
  ASSERT_EQ(image[tables_at], 'T');
  ASSERT_LT(static_cast<uint8_t>(image[tables_at - 1]), 0x80);
  image[tables_at - 1] = 0x7f;
  for (auto parts : {Graph::ImageParts::kAll, Graph::ImageParts::kQueries}) {
    auto g = Graph::LoadImage(image, nullptr, parts);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(g.status().message().find("edges.order at byte "),
              std::string::npos)
        << g.status();
    EXPECT_NE(g.status().message().find("position 127 out of range"),
              std::string::npos)
        << g.status();
  }
}

// Loading `damaged` fails as DataLoss, with `what` in the message.
void ExpectLoadError(const std::string& damaged, const std::string& what) {
  auto g = Graph::LoadImage(damaged);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(g.status().message().find(what), std::string::npos) << g.status();
}

// Where an image's entity kinds start (then their flags); `n` gets the
// number of entity slots.
size_t EntityKindsAt(const std::string& image, uint64_t& n) {
  const size_t entities_at = SectionAt(image, 1);
  EXPECT_EQ(image[entities_at], 'E');
  size_t at = entities_at + 1;
  n = ReadVarint(image, at);
  // id (8 bytes), name, parent, sig, vis, file, line, end_line (4 each).
  return at + 8 * n + 28 * n;
}

// From format 7 a live module or external must hold its path whole (it is
// the key of its scope, of the externals): one that does not is an error,
// whole or for queries. A dead slot's flags are not checked.
TEST(ImageTest, AModulesPathNotWholeIsAnError) {
  const std::string image = SmallImage();
  ASSERT_EQ(image[0], 7);
  uint64_t n = 0;
  const size_t kinds = EntityKindsAt(image, n), flags = kinds + n;
  size_t module = n;
  for (size_t i = 0; i < n && module == n; ++i)
    if (image[kinds + i] == static_cast<char>(aim::model::EntityKind::kMod) &&
        (image[flags + i] & aim::graph::kLive))
      module = i;
  ASSERT_LT(module, n);
  ASSERT_TRUE(image[flags + module] & aim::graph::kOwnPath);
  std::string damaged = image;
  damaged[flags + module] &= ~aim::graph::kOwnPath;
  const std::string what = "entities.flags at byte " +
                           std::to_string(flags + module) + ": entity " +
                           std::to_string(module) + ": a module's";
  ExpectLoadError(damaged, what);
  auto q = Graph::LoadImage(damaged, nullptr, Graph::ImageParts::kQueries);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find(what), std::string::npos) << q.status();
  // Not live: no key, no check.
  damaged[flags + module] &= ~aim::graph::kLive;
  EXPECT_EQ(Graph::LoadImage(damaged).status().message().find(what),
            std::string::npos);
}

// From format 7 a member filed under its parent path (kMember) must be
// live and hold its path as parent and name: else an error.
TEST(ImageTest, AMemberFiledUnderNoParentPathIsAnError) {
  const std::string image = SmallImage();
  uint64_t n = 0;
  const size_t flags = EntityKindsAt(image, n) + n;
  size_t member = n;
  for (size_t i = 0; i < n && member == n; ++i)
    if (image[flags + i] & aim::graph::kMember) member = i;
  ASSERT_LT(member, n);
  const std::string what = "entities.flags at byte " +
                           std::to_string(flags + member) + ": entity " +
                           std::to_string(member) +
                           ": a member filed under its parent path, ";
  std::string damaged = image;
  damaged[flags + member] |= aim::graph::kOwnPath;
  ExpectLoadError(damaged, what + "held whole");
  damaged = image;
  damaged[flags + member] &= ~aim::graph::kLive;
  ExpectLoadError(damaged, what + "not live");
}

// Before format 5, the deps section lists names ascending, each with its
// references ascending and once: a name out of order, or a reference
// listed twice (a delta of 0 after the first), is an error that names
// the field.
TEST(ImageTest, DepsByNameOutOfOrderAreErrors) {
  const std::string image = SmallImage(4);
  ASSERT_EQ(image[0], 4);
  const size_t deps_at = SectionAt(image, 5);
  ASSERT_EQ(image[deps_at], 'D');
  size_t at = deps_at + 1;
  auto varint = [&] { return ReadVarint(image, at); };
  const uint64_t n = varint();
  ASSERT_GE(n, 2u);
  // Each name: where it is, and where each of its deltas is (one byte
  // long, or the entry is not used below).
  struct Entry {
    size_t name_at;
    std::vector<size_t> one_byte_deltas;
    uint64_t count;
  };
  std::vector<Entry> entries;
  for (uint64_t i = 0; i < n; ++i) {
    Entry e{at, {}, 0};
    at += 4;
    e.count = varint();
    for (uint64_t k = 0; k < e.count; ++k) {
      const size_t delta_at = at;
      varint();
      if (at == delta_at + 1) e.one_byte_deltas.push_back(delta_at);
    }
    entries.push_back(e);
  }
  {
    std::string damaged = image;  // the second name as the first
    std::memcpy(damaged.data() + entries[1].name_at,
                image.data() + entries[0].name_at, 4);
    ExpectLoadError(damaged, "deps.name at byte ");
  }
  bool twice = false;
  for (const Entry& e : entries) {
    if (e.count < 2 || e.one_byte_deltas.size() < e.count) continue;
    std::string damaged = image;
    damaged[e.one_byte_deltas[1]] = 0;
    ExpectLoadError(damaged, "a reference listed twice");
    twice = true;
    break;
  }
  EXPECT_TRUE(twice) << "no name looked up by two references";
}

// From format 5 the deps section lists each reference's names, ascending
// (as deltas) and each once: a second delta of 0 is an error that names
// the field, and so is a name past the strings.
TEST(ImageTest, DepsByReferenceOutOfOrderAreErrors) {
  const std::string image = SmallImage(5);
  ASSERT_EQ(image[0], 5);
  const size_t deps_at = SectionAt(image, 5), pending_at = SectionAt(image, 6);
  ASSERT_EQ(image[deps_at], 'D');
  // The first reference with two names or more, each delta one byte.
  size_t at = deps_at + 1, second = 0;
  while (at < pending_at && second == 0) {
    const uint8_t n = static_cast<uint8_t>(image[at++]);
    ASSERT_LT(n, 0x80);
    bool one_byte = true;
    for (uint8_t k = 0; k < n; ++k) one_byte &= image[at + k] >= 0;
    if (n >= 2 && one_byte) second = at + 1;
    // (Skips a reference's deltas, one byte or more each.)
    for (uint8_t k = 0; k < n; ++k)
      while (static_cast<uint8_t>(image[at++]) >= 0x80) {
      }
  }
  ASSERT_NE(second, 0u) << "no reference looked up two names";
  std::string damaged = image;
  damaged[second] = 0;
  ExpectLoadError(damaged, "a name listed twice");
  damaged = image;
  damaged[second] = 0x7f;  // past the small image's strings
  ExpectLoadError(damaged, "deps.name at byte " + std::to_string(second) +
                            ": string id past ");
}

// From format 6 the files section holds each file's packed references
// (ref_pack.cc): a damaged reference is an error that names the file and
// the byte, for a whole load and a query-only one alike.
TEST(ImageTest, DamagedPackedReferencesAreErrors) {
  const std::string image = SmallImage();
  ASSERT_EQ(image[0], 7);
  const size_t files_at = SectionAt(image, 2);
  ASSERT_EQ(image[files_at], 'F');
  size_t at = files_at + 1;
  auto varint = [&] { return ReadVarint(image, at); };
  auto varints = [&](uint64_t n) {
    std::vector<uint64_t> v(n);
    for (uint64_t& x : v) x = varint();
    return v;
  };
  auto sum = [](const std::vector<uint64_t>& v) {
    uint64_t s = 0;
    for (uint64_t x : v) s += x;
    return s;
  };
  // (IMAGE_FORMAT.md, 'F'.)
  const uint64_t n = varint();
  at += n * (4 * 3 + 8 + 4 * 2 + 1);  // path .. live
  const std::vector<uint64_t> deps = varints(n), dev_deps = varints(n);
  at += 4 * (sum(deps) - static_cast<uint64_t>(std::count_if(
                             deps.begin(), deps.end(),
                             [](uint64_t d) { return d > 0; })) +
             sum(dev_deps));
  at += 4 * sum(varints(n));  // entities
  at += 4 * sum(varints(sum(varints(n))));  // scope chains
  std::vector<uint64_t> refs(n);
  std::vector<size_t> count_at(n);
  for (uint64_t i = 0; i < n; ++i) {
    count_at[i] = at;
    refs[i] = varint();
  }
  std::vector<uint64_t> bytes_of(n);
  std::vector<size_t> bytes_at(n + 1);
  for (uint64_t i = 0; i < n; ++i) {
    bytes_at[i] = at;
    bytes_of[i] = varint();
  }
  bytes_at[n] = at;
  const size_t made_count_at = at;
  const uint64_t made_count = varint();
  // The first file with references, and where its bytes start.
  size_t fi = 0, first = at;
  while (fi < n && refs[fi] == 0) first += bytes_of[fi++];
  ASSERT_LT(fi, n) << "no file has references";
  const std::string where =
      "refs at byte " + std::to_string(first) + ": file " + std::to_string(fi);
  auto expect = [&](const std::string& damaged, const std::string& what) {
    ExpectLoadError(damaged, what);
    auto q = Graph::LoadImage(damaged, nullptr, Graph::ImageParts::kQueries);
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.status().message().find(what), std::string::npos)
        << q.status();
  };
  std::string damaged = image;
  damaged[first] = 2;  // the same targets as the key's last, but no key
  expect(damaged, where + ": head: the same targets or lookups as no key");
  damaged[first] = 1;  // a key repeated before any
  expect(damaged, where + ": key ");
  // A made count other than the references hold.
  ASSERT_LT(made_count, 0x7fu);
  ASSERT_GT(made_count, 0u);
  damaged = image;
  damaged[made_count_at] = static_cast<char>(made_count + 1);
  expect(damaged, "refs.made_count at byte " + std::to_string(made_count_at) +
                      ": " + std::to_string(made_count + 1) + " is more");
  damaged[made_count_at] = static_cast<char>(made_count - 1);
  expect(damaged, "is too few");
  // A reference fewer than its bytes hold.
  ASSERT_LT(refs[fi], 0x80u);
  damaged = image;
  damaged[count_at[fi]] = static_cast<char>(refs[fi] - 1);
  expect(damaged, " bytes after the last reference");

  // The file's references replaced by two: the first looks up `looked`
  // names, the second repeats its key, its targets (none) and its lookups.
  // A repeat may take 16 lookups at most (so that a few bytes cannot stand
  // for many lookups each).
  auto with_refs = [&](int looked) {
    std::string blob;
    blob += static_cast<char>(8 | 128);  // new key, no made, same owner (0)
    blob += static_cast<char>(16);       // kind 0, self type as before (0)
    blob += '\0';                       // flags
    blob += '\1';                       // path: string 1
    blob += '\0';                       // scope
    blob += '\0';                       // line
    blob += static_cast<char>(looked);   // lookups: strings 1, 2, ...
    for (int k = 0; k < looked; ++k) blob += '\1';
    blob += static_cast<char>(1 | 2 | 4 | 8 | 128);  // all repeated
    blob += '\0';                                   // the last key
    blob += '\0';                                   // line
    std::string out =
        image.substr(0, count_at[fi]) + '\2' +
        image.substr(count_at[fi] + 1, bytes_at[fi] - count_at[fi] - 1);
    out += static_cast<char>(blob.size());
    out += image.substr(bytes_at[fi + 1], first - bytes_at[fi + 1]) + blob +
           image.substr(first + bytes_of[fi]);
    // Sections after this one moved.
    const int64_t moved = static_cast<int64_t>(out.size()) -
                          static_cast<int64_t>(image.size());
    for (size_t i = 3; i < 7; ++i) {
      const size_t dir_at = out.size() - kDirectoryBytes + 8 * i;
      uint64_t section = 0;
      std::memcpy(&section, out.data() + dir_at, 8);
      section += static_cast<uint64_t>(moved);
      std::memcpy(out.data() + dir_at, &section, 8);
    }
    return out;
  };
  // 16 repeated lookups are read (the load fails later: the made entries
  // all told no longer match), 17 are not.
  const std::string file = ": file " + std::to_string(fi) + ": ";
  expect(with_refs(16), "refs.made_count at byte ");
  expect(with_refs(17), file + "the same lookups, 17 of them");
}

// ---- loading for queries only

TEST(ImageTest, QueryOnlyGraphAfterEditsAnswersAsTheWholeOne) {
  // Edits leave stale made entries, lists written out and table
  // exceptions: the query-only load must rebuild all of them.
  const std::string image = SmallImage();
  auto whole = Graph::LoadImage(image);
  ASSERT_TRUE(whole.ok()) << whole.status();
  auto q = Graph::LoadImage(image, RunAtOnce, Graph::ImageParts::kQueries);
  ASSERT_TRUE(q.ok()) << q.status();
  ExpectSameReaderView(**whole, **q);
  EXPECT_EQ(aim::testing::EdgeStrings(**whole, true),
            aim::testing::EdgeStrings(**q, true));
}

TEST(ImageTest, QueryOnlyGraphMemoryIsTheReadersPart) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1";
  auto inputs = aim::testing::LoadTree(dir);
  if (inputs.empty()) GTEST_SKIP() << dir << " not installed";
  Graph g;
  aim::testing::IngestAll(g, inputs);
  const std::string image = Image(g);
  auto q = Graph::LoadImage(image, nullptr, Graph::ImageParts::kQueries);
  ASSERT_TRUE(q.ok()) << q.status();
  ExpectSameReaderView(g, **q);
  // References, registrations, scope tables and deps are most of it.
  EXPECT_LT((*q)->MemoryBytes(), g.MemoryBytes() * 3 / 4);
}

TEST(ImageTest, ByteFlipsInAQueryOnlyLoadAreErrorsOrSafeGraphs) {
  ByteFlipTrials(
      43,
      [](const std::string& damaged, int trial) {
        return Graph::LoadImage(damaged,
                                trial % 2 ? RunAtOnce : aim::graph::RunTasks(),
                                Graph::ImageParts::kQueries);
      },
      [](Graph& g) { Read(g); });
}

TEST(ImageTest, EveryTruncationIsAnErrorForAQueryOnlyLoad) {
  const std::string image = SmallImage();
  for (size_t n = 0; n < image.size(); ++n) {
    auto g = Graph::LoadImage(std::string_view(image).substr(0, n), nullptr,
                              Graph::ImageParts::kQueries);
    ASSERT_FALSE(g.ok()) << "prefix of " << n << " bytes loaded";
    EXPECT_EQ(g.status().code(), absl::StatusCode::kDataLoss) << g.status();
  }
}

using ImageDeathTest = ::testing::Test;

TEST(ImageDeathTest, AQueryOnlyGraphRefusesToChange) {
  const std::string image = SmallImage();
  auto load = [&] {
    auto g = Graph::LoadImage(image, nullptr, Graph::ImageParts::kQueries);
    if (!g.ok()) std::abort();
    return std::move(*g);
  };
  const auto input = aim::testing::SourceInput("fixture", "src/lib.rs", "fn f() {}");
  EXPECT_DEATH(load()->UpsertFile(input), "UpsertFile on a query-only graph");
  EXPECT_DEATH(load()->RemoveFile("src/lib.rs"), "RemoveFile on a query-only graph");
  EXPECT_DEATH(load()->BeginBatch(), "BeginBatch on a query-only graph");
  EXPECT_DEATH(
      {
        std::string out;
        load()->SaveImage(&out);
      },
      "SaveImage on a query-only graph");
}

}  // namespace
