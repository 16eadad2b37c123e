// The lookup tables a graph image does not store: each is a function of the
// entities and the files' registrations, built here in the order a fresh
// ingest builds them (entities by slot, registrations by file then by
// position). Edits can leave a live table in another order (a rebuilt file
// registers last); the image stores those lists whole.
#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {

namespace {

// Inserting into tables of many megabytes waits on memory at every key:
// ask for the slots of a key this far ahead while inserting the current one.
constexpr size_t kAhead = 8;

}  // namespace

// (The caller reserves the tables: it knows their sizes.)
void Graph::DeriveTables(DerivedTables& t) const {
  DeriveEntityTables(t);
  DeriveFileTables(t);
}

void Graph::DeriveEntityTables(DerivedTables& t) const {
  const size_t n = entities_.size();
  if (t.member_index) {
    size_t members = 0;
    for (const Entity& e : entities_) members += (e.flags & kMember) != 0;
    t.member_index->Reserve(members);
  }
  for (EntityIdx i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      const Entity& ahead = entities_[i + kAhead];
      if (!t.ids) t.by_id.prefetch(ahead.id);
      t.by_name.prefetch(ahead.name);
    }
    const Entity& e = entities_[i];
    if (!(e.flags & kLive)) continue;
    if (t.ids) {
      t.ids->Insert(e.id, i, IdOf());
      if (t.member_index && (e.flags & kMember))
        t.member_index->Add(MemberKey(e.parent, e.name), i);
    } else {
      t.by_id[e.id] = i;
    }
    t.by_name[e.name].push_back(i);
    if (e.kind == EntityKind::kExternal) t.externals[e.parent] = i;  // (kOwnPath)
  }
}

void Graph::DeriveFileTables(DerivedTables& t) const {
  for (uint32_t fi = 0; fi < files_.size(); ++fi) {
    const File& f = files_[fi];
    const auto& members = f.member_regs;
    for (size_t i = 0; i < members.size(); ++i) {
      if (i + kAhead < members.size())
        t.members.prefetch(members[i + kAhead].first);
      t.members[members[i].first].push_back(members[i].second);
    }
    for (const auto& [k, e] : f.assoc_regs) t.assoc[k].push_back(e);
    for (const auto& [k, p] : f.import_regs) t.imports[k].push_back(p);
    for (const auto& [s, p] : f.glob_regs) t.globs[s].push_back(p);
    for (const auto& [m, e] : f.module_regs) t.modules[m].push_back(e);
    for (const auto& [c, e] : f.crate_regs) t.crates[c].push_back(e);
    if (f.live) t.file_index[f.path] = fi;
  }
}

}  // namespace aim::graph
