// Graph images: loading the files section (each file's entities, scope
// chains, references with the edges they made, and registrations). The
// rest of the loader is image_load.cc; the layout is in IMAGE_FORMAT.md.
#include <algorithm>
#include <string>

#include "engine/graph/image_internal.h"

namespace aim::graph {

void Graph::ImageLoader::Files() {
  const size_t n = r_->Count(29, "files.count");
  auto path = r_->Fixed<uint32_t>(n, "files.path");
  auto crate = r_->Fixed<uint32_t>(n, "files.crate");
  auto module = r_->Fixed<uint32_t>(n, "files.module");
  auto hash = r_->Fixed<uint64_t>(n, "files.hash");
  auto lines = r_->Fixed<uint32_t>(n, "files.lines");
  auto gen = r_->Fixed<uint32_t>(n, "files.gen");
  auto live = r_->Fixed<uint8_t>(n, "files.live");
  if (!r_->ok()) return;
  n_files_ = n;
  auto& fs = g_->files_;
  fs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    File& f = fs[i];
    f.path = path[i];
    f.crate = crate[i];
    f.module = module[i];
    f.hash = hash[i];
    f.lines = lines[i];
    f.gen = gen[i];
    if (!Str(f.path, path.offset(i), "files.path", i) ||
        !Str(f.crate, crate.offset(i), "files.crate", i) ||
        !Str(f.module, module.offset(i), "files.module", i) ||
        !Check(live[i], 2, live.offset(i), "files.live", i, "flag"))
      return;
    f.live = live[i] != 0;
  }
  if (version_ >= 4) {
    uint64_t total = 0, dev_total = 0;
    std::vector<uint32_t> count = Counts(n, "files.deps_count", total);
    std::vector<uint32_t> dev_count = Counts(n, "files.dev_deps_count", dev_total);
    // (A known file's count is one more than its dependencies.)
    uint64_t crates = 0;
    for (size_t i = 0; i < n && r_->ok(); ++i) {
      crates += count[i] > 0 ? count[i] - 1 : 0;
      if (count[i] == 0 && dev_count[i] != 0)
        return r_->Fail("files.dev_deps_count",
                        "file " + std::to_string(i) +
                            " has dev-dependencies but no dependencies known");
    }
    auto deps = r_->Fixed<uint32_t>(crates, "files.deps");
    auto dev = r_->Fixed<uint32_t>(dev_total, "files.dev_deps");
    if (!r_->ok()) return;
    // Takes `list`'s crate names from `column` at `at` onwards.
    auto take = [&](std::vector<StrId>& list, size_t size, const auto& column,
                    size_t& at, const char* what) {
      list.resize(size);
      for (StrId& d : list) {
        d = column[at];
        if (!Str(d, column.offset(at), what, at)) return false;
        ++at;
      }
      return true;
    };
    size_t j = 0, k = 0;
    for (size_t i = 0; i < n && !queries_only_; ++i) {  // (resolution state)
      fs[i].deps_known = count[i] > 0;
      if (!take(fs[i].deps, count[i] > 0 ? count[i] - 1 : 0, deps, j,
                "files.deps") ||
          !take(fs[i].dev_deps, dev_count[i], dev, k, "files.dev_deps"))
        return;
    }
  }

  uint64_t total = 0;
  std::vector<uint32_t> count = Counts(n, "files.entity_count", total);
  auto ents = r_->Fixed<uint32_t>(total, "files.entities");
  if (!r_->ok()) return;
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    fs[i].entities.resize(count[i]);
    for (EntityIdx& e : fs[i].entities) {
      e = ents[j];
      if (!Slot(e, ents.offset(j), "files.entities", j)) return;
      ++j;
    }
  }

  count = Counts(n, "files.scope_count", total);
  uint64_t elems = 0;
  std::vector<uint32_t> chain_len = Counts(total, "files.scope_length", elems);
  auto chain = r_->Fixed<uint32_t>(elems, "files.scopes");
  if (!r_->ok()) return;
  size_t c = 0;
  j = 0;
  for (size_t i = 0; i < n && !queries_only_; ++i) {
    fs[i].scopes.resize(count[i]);
    for (auto& s : fs[i].scopes) {
      s.resize(chain_len[c++]);
      for (StrId& id : s) {
        id = chain[j];
        if (!Str(id, chain.offset(j), "files.scopes", j)) return;
        ++j;
      }
    }
  }

  count = Counts(n, "files.ref_count", total);
  if (r_->ok()) {
    if (version_ >= 6)
      PackedRefs(count);
    else
      FileRefs(count);
  }
  if (!r_->ok()) return;
  if (queries_only_) {
    r_->Bytes(r_->remaining(), "files.regs");  // registrations: not kept
    return;
  }
  FileRegs();
}

// fixed_source, path, src_path, self_type, scope: the values present.
static constexpr const char* kOptional[image::kRefOptional] = {
    "refs.fixed_source", "refs.path", "refs.src_path", "refs.self_type",
    "refs.scope"};

bool Graph::ImageLoader::ReadRefColumns(const std::vector<uint32_t>& ref_count,
                                        RefColumns& c) {
  c.total = 0;
  for (uint32_t n : ref_count) c.total += n;
  c.shape = r_->Fixed<uint8_t>(c.total, "refs.shape");
  c.flags = r_->Fixed<uint8_t>(c.total, "refs.flags");
  c.owner = r_->Fixed<uint32_t>(c.total, "refs.owner");
  c.line = r_->Fixed<uint32_t>(c.total, "refs.line");
  for (size_t k = 0; k < image::kRefOptional; ++k)
    c.opt[k] = r_->Fixed<uint32_t>(r_->Count(4, kOptional[k]), kOptional[k]);
  c.made_count = Counts(c.total, "refs.made_count", c.n_made);
  c.code = r_->Fixed<uint8_t>(c.n_made, "made.code");
  const size_t n_from = r_->Count(4, "made.from_count");
  c.from = r_->Fixed<uint32_t>(n_from, "made.from");
  c.to = r_->Fixed<uint32_t>(c.n_made, "made.to");
  if (!r_->ok()) return false;
  if (c.total >= UINT32_MAX || c.n_made >= UINT32_MAX) {
    r_->Fail("refs.count", "more than 2^32 references or edges");
    return false;
  }
  if (!queries_only_) {  // (for the deps section)
    ref_base_.resize(n_files_ + 1);
  }
  out_n_.assign(n_slots_, 0);
  in_n_.assign(n_slots_, 0);
  return true;
}

bool Graph::ImageLoader::ReadMade(const RefColumns& c, size_t m, EntityIdx owner,
                                  EntityIdx fixed_source, size_t& k,
                                  Ref::Made& md) {
  const uint8_t code = c.code[m];
  const uint8_t src = code >> 2;
  md.confidence = static_cast<Confidence>(code & 3);
  md.to = c.to[m];
  if (src == kMadeFromOwner) {
    md.from = owner;
  } else if (src == kMadeFromFixed) {
    md.from = fixed_source;
  } else if (src == kMadeFromColumn && k < c.from.size()) {
    md.from = c.from[k++];
  } else {
    r_->FailAt(c.code.offset(m), "made.code",
               "bad source code in " + std::to_string(code));
    return false;
  }
  // (The target as stored: md.to keeps 30 bits of it.)
  if (md.from >= n_slots_ || c.to[m] >= n_slots_ || (code & 3) >= 3) {
    r_->FailAt(c.code.offset(m), "made[" + std::to_string(m) + "]",
               "source " + std::to_string(md.from) + ", target " +
                   std::to_string(c.to[m]) + " or confidence " +
                   std::to_string(code & 3) + " out of range");
    return false;
  }
  ++out_n_[md.from];
  ++in_n_[md.to];
  return true;
}

void Graph::ImageLoader::FileRefs(const std::vector<uint32_t>& ref_count) {
  RefColumns c;
  if (!ReadRefColumns(ref_count, c)) return;
  if (queries_only_) return MadeEdges(ref_count, c);
  const auto& shape = c.shape;
  const auto& owner = c.owner;
  const auto& opt = c.opt;
  size_t j = 0, m = 0, k = 0;
  size_t at[image::kRefOptional] = {0, 0, 0, 0, 0};
  // Each file's references are held unpacked until the deps section gives
  // them their lookups (Deps packs them); their made entries' edges are
  // kept aside for the adjacency lists, as a query-only load keeps them.
  made_edges_.reserve(c.n_made);
  std::vector<Ref::Made> made;
  for (uint32_t fi = 0; fi < n_files_; ++fi) {
    File& f = g_->files_[fi];
    ref_base_[fi] = static_cast<uint32_t>(j);
    f.warm = true;
    f.refs.reserve(ref_count[fi]);
    for (uint32_t ri = 0; ri < ref_count[fi]; ++ri) {
      Ref r;
      const uint8_t sh = shape[j];
      uint32_t v[image::kRefOptional];
      for (size_t x = 0; x < image::kRefOptional; ++x) {
        if (!(sh & (8u << x))) {
          v[x] = image::kAbsent[x];
        } else if (at[x] < opt[x].size()) {
          v[x] = opt[x][at[x]++];
        } else {
          return r_->FailAt(
              shape.offset(j), "refs.shape",
              std::string("more values than stored in ") + kOptional[x]);
        }
      }
      r.owner = owner[j];
      r.flags = c.flags[j];
      // A reference has a fixed source or a source path, never both.
      const bool fixed = (r.flags & kRefFixedSource) != 0;
      if (fixed ? v[2] != 0 : v[0] != kNoEntity)
        return r_->FailAt(shape.offset(j), "refs.shape",
                          fixed ? "a source path beside a fixed source"
                                : "a fixed source without its flag");
      r.source = fixed ? v[0] : v[2];
      r.path = v[1];
      r.self_type = v[3];
      if (v[4] >= kMaxScopes) {
        return r_->FailAt(opt[4].offset(at[4] - 1), "refs.scope",
                          "scope " + std::to_string(v[4]) + " out of range");
      }
      r.scope = v[4];
      r.SetLine(c.line[j]);
      r.kind = static_cast<EdgeKind>(sh & 7);
      if (std::max({r.path, r.src_path(), r.self_type}) >= n_str_ ||
          (r.owner >= n_slots_ && r.owner != kNoEntity) ||
          (r.fixed_source() >= n_slots_ && r.fixed_source() != kNoEntity) ||
          (sh & 7) >= model::kEdgeKindCount) {
        Check(r.owner, n_slots_, owner.offset(j), "refs.owner", j,
              "entity slot", kNoEntity) &&
            Check(r.fixed_source(), n_slots_, opt[0].offset(at[0] - 1),
                  "refs.fixed_source", j, "entity slot", kNoEntity) &&
            Str(r.path, opt[1].offset(at[1] - 1), "refs.path", j) &&
            Str(r.src_path(), opt[2].offset(at[2] - 1), "refs.src_path", j) &&
            Str(r.self_type, opt[3].offset(at[3] - 1), "refs.self_type", j) &&
            Check(sh & 7, model::kEdgeKindCount, shape.offset(j), "refs.kind",
                  j, "kind");
        return;
      }
      const uint32_t n_m = c.made_count[j];
      made.resize(n_m);
      for (uint32_t x = 0; x < n_m; ++x, ++m) {
        if (!ReadMade(c, m, r.owner, r.fixed_source(), k, made[x])) return;
        made_edges_.push_back({made[x].from, r.OutEdge(made[x], f.path)});
      }
      r.made.assign(made);
      f.refs.push_back(std::move(r));
      ++j;
    }
  }
  EndRefs(c, j, at, k);
}

void Graph::ImageLoader::PackedRefs(const std::vector<uint32_t>& ref_count) {
  uint64_t total = 0;
  const std::vector<uint32_t> size = Counts(n_files_, "refs.bytes", total);
  // (A made entry takes a byte, or 3 bytes repeat up to 16: ref_pack.cc.)
  const size_t count_at = r_->offset();
  const uint64_t n_made = r_->Varint("refs.made_count");
  if (r_->ok() && n_made > total * 16 / 3)
    return r_->FailAt(count_at, "refs.made_count",
                      std::to_string(n_made) + " made entries cannot fit in " +
                          std::to_string(total) + " bytes");
  if (!r_->ok()) return;
  const size_t begin = r_->offset();
  const std::string_view bytes = r_->Bytes(total, "refs");
  if (!r_->ok()) return;
  out_n_.assign(n_slots_, 0);
  in_n_.assign(n_slots_, 0);
  // Each file's bytes are read through, checked, for the made entries'
  // edges (kept aside for the adjacency lists) and the names looked up
  // (each name's files), and kept as they are.
  std::vector<uint32_t> listed;  // per name, 1 + the last file listed
  if (!queries_only_) listed.assign(n_str_, 0);
  // (The count is checked as the references are read: no more room than
  // the bytes are taken on its word.)
  made_edges_.reserve(std::min<uint64_t>(n_made, total));
  size_t at = 0;
  for (uint32_t fi = 0; fi < n_files_; ++fi) {
    File& f = g_->files_[fi];
    const std::span<const uint8_t> packed(
        reinterpret_cast<const uint8_t*>(bytes.data()) + at, size[fi]);
    RefReader in(packed, ref_count[fi], n_slots_, n_str_);
    const size_t made_before = made_edges_.size();
    while (in.Next()) {
      if (in.made().size() > n_made - made_edges_.size())
        return r_->FailAt(count_at, "refs.made_count",
                          std::to_string(n_made) + " is too few: file " +
                              std::to_string(fi) + " holds more");
      for (const Ref::Made& m : in.made()) {
        ++out_n_[m.from];
        ++in_n_[m.to];
        made_edges_.push_back({m.from, in.OutEdge(m, f.path)});
      }
      if (queries_only_) continue;
      for (StrId name : in.lookups()) ListLookup(listed, name, fi);
    }
    if (!in.error().empty())
      return r_->FailAt(begin + at + in.offset(), "refs",
                        "file " + std::to_string(fi) + ": " + in.error());
    if (!queries_only_) {
      f.packed.assign(packed.begin(), packed.end());
      f.ref_count = ref_count[fi];
      f.made_count = static_cast<uint32_t>(made_edges_.size() - made_before);
    }
    at += size[fi];
  }
  if (made_edges_.size() != n_made)
    r_->FailAt(count_at, "refs.made_count",
               std::to_string(n_made) + " is more than the files hold (" +
                   std::to_string(made_edges_.size()) + ")");
}

void Graph::ImageLoader::MadeEdges(const std::vector<uint32_t>& ref_count,
                                   const RefColumns& c) {
  // Only what the edges need: each reference's kind, flags, line and
  // sources (its owner, its fixed source), each made entry whole. The
  // other fields are counted past, never used, so never checked.
  made_edges_.reserve(c.n_made);
  size_t j = 0, m = 0, k = 0;
  size_t at[image::kRefOptional] = {0, 0, 0, 0, 0};
  for (uint32_t fi = 0; fi < n_files_; ++fi) {
    const StrId path = g_->files_[fi].path;
    for (uint32_t ri = 0; ri < ref_count[fi]; ++ri, ++j) {
      const uint8_t sh = c.shape[j];
      EntityIdx fixed_source = kNoEntity;
      if (sh & 8) {
        if (at[0] == c.opt[0].size())
          return r_->FailAt(c.shape.offset(j), "refs.shape",
                            std::string("more values than stored in ") +
                                kOptional[0]);
        fixed_source = c.opt[0][at[0]++];
      }
      for (size_t x = 1; x < image::kRefOptional; ++x) at[x] += (sh >> (3 + x)) & 1;
      if ((sh & 7) >= model::kEdgeKindCount)
        return (void)Check(sh & 7, model::kEdgeKindCount, c.shape.offset(j),
                           "refs.kind", j, "kind");
      const uint32_t n_m = c.made_count[j];
      if (n_m == 0) continue;
      const EdgeKind kind = static_cast<EdgeKind>(sh & 7);
      const uint8_t flags = EdgeFlags(c.flags[j]);
      const uint32_t line = c.line[j];
      for (uint32_t x = 0; x < n_m; ++x, ++m) {
        Ref::Made md;
        if (!ReadMade(c, m, c.owner[j], fixed_source, k, md)) return;
        made_edges_.push_back(
            {md.from, {md.to, path, line, kind, md.confidence, flags}});
      }
    }
  }
  EndRefs(c, j, at, k);
}

void Graph::ImageLoader::EndRefs(const RefColumns& c, size_t j,
                                 const size_t (&at)[image::kRefOptional],
                                 size_t k) {
  if (!queries_only_) ref_base_[n_files_] = static_cast<uint32_t>(j);
  for (size_t x = 0; x < image::kRefOptional; ++x)
    if (at[x] != c.opt[x].size())
      return r_->Fail(kOptional[x], std::to_string(c.opt[x].size() - at[x]) +
                                       " values left unused");
  if (k != c.from.size())
    r_->Fail("made.from", std::to_string(c.from.size() - k) + " sources left unused");
}

void Graph::ImageLoader::FileRegs() {
  auto& fs = g_->files_;
  uint64_t total = 0;
  for (auto regs : {&File::member_regs, &File::assoc_regs}) {
    const char* what =
        regs == &File::member_regs ? "files.member_regs" : "files.assoc_regs";
    std::vector<uint32_t> count = Counts(n_files_, what, total);
    auto col = r_->Fixed<uint32_t>(total * 3, what);
    if (!r_->ok()) return;
    size_t j = 0;
    for (size_t i = 0; i < n_files_; ++i) {
      (fs[i].*regs).resize(count[i]);
      for (auto& [k, e] : fs[i].*regs) {
        k = {col[j], col[j + 1]};
        e = col[j + 2];
        if (!Str(k.scope, col.offset(j), what, j) ||
            !Str(k.name, col.offset(j + 1), what, j + 1) ||
            !Slot(e, col.offset(j + 2), what, j + 2))
          return;
        j += 3;
      }
    }
  }
  {
    std::vector<uint32_t> count = Counts(n_files_, "files.import_regs", total);
    auto col = r_->Fixed<uint32_t>(total * 3, "files.import_regs");
    if (!r_->ok()) return;
    size_t j = 0;
    for (size_t i = 0; i < n_files_; ++i) {
      fs[i].import_regs.resize(count[i]);
      for (auto& [k, p] : fs[i].import_regs) {
        k = {col[j], col[j + 1]};
        p = col[j + 2];
        for (size_t x = j; x < j + 3; ++x)
          if (!Str(col[x], col.offset(x), "files.import_regs", x)) return;
        j += 3;
      }
    }
  }
  using PairRegs = std::vector<std::pair<StrId, uint32_t>> File::*;
  for (auto [regs, what, entity] :
       {std::tuple<PairRegs, const char*, bool>{&File::glob_regs,
                                                "files.glob_regs", false},
        {&File::module_regs, "files.module_regs", true},
        {&File::crate_regs, "files.crate_regs", true}}) {
    std::vector<uint32_t> count = Counts(n_files_, what, total);
    auto col = r_->Fixed<uint32_t>(total * 2, what);
    if (!r_->ok()) return;
    size_t j = 0;
    for (size_t i = 0; i < n_files_; ++i) {
      (fs[i].*regs).resize(count[i]);
      for (auto& [key, v] : fs[i].*regs) {
        key = col[j];
        v = col[j + 1];
        if (!Str(key, col.offset(j), what, j) ||
            !(entity ? Slot(v, col.offset(j + 1), what, j + 1)
                     : Str(v, col.offset(j + 1), what, j + 1)))
          return;
        j += 2;
      }
    }
  }
}

}  // namespace aim::graph
