// libFuzzer target for the graph image loader (engine/graph, format in
// engine/graph/IMAGE_FORMAT.md). Build and run: see README "Fuzzing".
//
// The first byte picks what the rest is:
//   bit 0: load only what queries read (ImageParts::kQueries), else all;
//   bit 1: the rest is a patch of a valid image (below), else an image;
//   bit 2: edit the graph after it loaded (whole loads only).
// A patch is a list of (u16 offset, u8 xor) triples applied to the image
// of a small crate (traits, impls, derives, calls, imports, modules, edits
// that leave lists out of E order): damage that reaches every section
// behind a valid header and directory.
//
// What loads must be safe to read and to query, and must save to an image
// that loads again as the same graph (same digest, same bytes saved).
// Errors must be DataLoss or FailedPrecondition and say what failed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aim/extract.h"
#include "engine/graph/graph.h"
#include "engine/query/query.h"

namespace {

using aim::graph::EntityIdx;
using aim::graph::FileInput;
using aim::graph::Graph;

struct Source {
  const char* path;
  const char* module;
  const char* text;
};

constexpr Source kCrate[] = {
    {"src/lib.rs", "", R"(
pub mod shapes;
pub mod util;
use shapes::*;
pub trait Area { fn area(&self) -> f64; fn twice(&self) -> f64 { self.area() * 2.0 } }
#[derive(Debug, Clone, PartialEq)]
pub struct Unit;
impl Area for Unit { fn area(&self) -> f64 { util::one() } }
pub fn total(xs: &[Circle]) -> f64 { xs.iter().map(|c| c.area()).sum::<f64>() + Unit.twice() }
)"},
    {"src/shapes.rs", "shapes", R"(
use crate::Area;
use crate::util::{one, scale as grow};
#[derive(Debug, Clone)]
pub struct Circle { pub r: f64 }
pub struct Square(pub f64);
impl Area for Circle { fn area(&self) -> f64 { grow(self.r * self.r) } }
impl Area for Square { fn area(&self) -> f64 { self.0 * self.0 * one() } }
impl Circle { pub fn new(r: f64) -> Self { Self { r } } pub fn big(&self) -> bool { self.area() > 10.0 } }
impl<T: Area> Area for Vec<T> { fn area(&self) -> f64 { self.iter().map(Area::area).sum() } }
pub mod inner { pub fn helper() -> super::Circle { super::Circle::new(crate::util::one()) } }
)"},
    {"src/util.rs", "util", R"(
pub fn one() -> f64 { 1.0 }
pub fn scale(x: f64) -> f64 { x * one() }
pub fn cycle_a(n: u32) -> u32 { if n == 0 { 0 } else { cycle_b(n - 1) } }
pub fn cycle_b(n: u32) -> u32 { cycle_a(n) }
impl std::fmt::Display for crate::Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "unit") }
}
)"},
};

FileInput Input(const Source& s, std::string_view text) {
  FileInput in;
  in.path = s.path;
  in.crate = "fuzzed";
  in.module = s.module;
  in.facts = aim::ExtractFacts(in.path, text);
  return in;
}

std::string Save(const Graph& g) {
  std::string out;
  g.SaveImage(&out);
  return out;
}

// The base image: the crate, then edits that move definitions and calls
// (so that lists leave E order and tables their fresh order).
const std::string& BaseImage() {
  static const std::string image = [] {
    Graph g;
    g.BeginBatch();
    for (const Source& s : kCrate) g.UpsertFile(Input(s, s.text));
    g.EndBatch();
    g.UpsertFile(Input(kCrate[2], std::string(kCrate[2].text) +
                                      "pub fn extra() -> f64 { one() + scale(2.0) }\n"));
    g.UpsertFile(Input(kCrate[0], std::string("pub fn first() { util::one(); }\n") +
                                      kCrate[0].text));
    return Save(g);
  }();
  return image;
}

void Trap() { __builtin_trap(); }

void Read(const Graph& g) {
  (void)g.Digest();
  (void)g.Files();
  (void)g.MemoryBytes();
  size_t queried = 0;
  for (EntityIdx e = 0; e < g.slot_count(); ++e) {
    if (!g.live(e)) continue;
    const aim::graph::Entity& ent = g.entity(e);
    (void)g.ByName(g.str(ent.name));
    (void)g.ById(ent.id);
    for (const aim::graph::Edge& ed : g.out(e)) (void)g.str(ed.file);
    for (const aim::graph::Edge& ed : g.in(e)) (void)g.entity(ed.other);
    if (queried++ < 64) {
      namespace q = aim::query;
      for (const q::Hits& hits :
           {q::WhatImplements(g, e), q::Callers(g, e, 3), q::Callees(g, e, 2),
            q::UsedBy(g, e), q::BlastRadius(g, e),
            q::BlastRadius(g, e, 3, q::Direction::kDown)})
        for (const q::Hit& h : hits) (void)hits.PathOf(h);
      (void)q::Context(g, e, 200);
      (void)q::FindEntity(g, g.str(ent.name));
    }
  }
  (void)aim::query::Cycles(g, aim::query::CycleScope::kCalls);
  (void)aim::query::Cycles(g, aim::query::CycleScope::kModules);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string image;
  if (mode & 2) {
    image = BaseImage();
    for (size_t i = 0; i + 3 <= rest.size(); i += 3) {
      const size_t at = (static_cast<uint8_t>(rest[i]) |
                         static_cast<size_t>(static_cast<uint8_t>(rest[i + 1])) << 8) %
                        image.size();
      image[at] = static_cast<char>(image[at] ^ rest[i + 2]);
    }
  } else {
    image.assign(rest);
  }
  const auto parts =
      (mode & 1) ? Graph::ImageParts::kQueries : Graph::ImageParts::kAll;
  auto loaded = Graph::LoadImage(image, nullptr, parts);
  if (!loaded.ok()) {
    const auto code = loaded.status().code();
    if (code != absl::StatusCode::kDataLoss &&
        code != absl::StatusCode::kFailedPrecondition)
      Trap();
    if (loaded.status().message().empty()) Trap();
    return 0;
  }
  Graph& g = **loaded;
  Read(g);
  if (g.query_only()) return 0;
  // Saved again, it loads as the same graph, and saves to the same bytes.
  const std::string once = Save(g);
  auto again = Graph::LoadImage(once);
  if (!again.ok() || (*again)->Digest() != g.Digest() || Save(**again) != once)
    Trap();
  if (mode & 4) {
    // Edits on top: resolution reads everything the image carried.
    auto files = g.Files();
    if (!files.empty()) g.RemoveFile(files.front().first);
    for (const Source& s : kCrate) g.UpsertFile(Input(s, s.text));
    Read(g);
  }
  return 0;
}
