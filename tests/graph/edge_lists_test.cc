// EdgeLists against a model (a vector per list): random inserts, erases,
// truncations, clears, new slots, layouts and compactions keep every list
// equal to the model's, and compaction gives the dead room back. And the
// references' small list of made edges (SmallList) against a vector, a
// query-only graph's frozen name and id tables against hash maps, and a
// writable graph's id index against a map.
#include "engine/graph/edge_lists.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/graph/frozen_tables.h"
#include "engine/graph/graph_internal.h"
#include "engine/graph/id_index.h"

namespace aim::graph {
namespace {

Edge MakeEdge(uint32_t n) {
  return Edge(n, n * 7, n % 1000, static_cast<EdgeKind>(n % 5),
              static_cast<Confidence>(n % 3), static_cast<uint8_t>(n % 8));
}

bool Same(const Edge& a, const Edge& b) {
  return a.other == b.other && a.file == b.file && a.line == b.line &&
         a.kind == b.kind && a.confidence == b.confidence && a.flags == b.flags;
}

void ExpectEqual(const EdgeLists& lists,
                 const std::vector<std::vector<Edge>>& model) {
  ASSERT_EQ(lists.slots(), model.size());
  for (EntityIdx e = 0; e < model.size(); ++e) {
    const std::span<const Edge> got = lists[e];
    ASSERT_EQ(got.size(), model[e].size()) << "list " << e;
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_TRUE(Same(got[i], model[e][i])) << "list " << e << " at " << i;
  }
}

TEST(EdgeListsTest, EqualsAVectorPerList) {
  std::mt19937 rng(11);
  EdgeLists lists;
  std::vector<std::vector<Edge>> model;
  uint32_t next = 0;
  for (int step = 0; step < 200000; ++step) {
    const uint32_t op = rng() % 100;
    if (model.empty() || op < 2) {
      lists.AddSlot();
      model.emplace_back();
      continue;
    }
    // Most changes go to a few lists (hubs grow long), the rest anywhere.
    const EntityIdx e = static_cast<EntityIdx>(
        rng() % 4 == 0 ? rng() % std::min<size_t>(model.size(), 3)
                       : rng() % model.size());
    std::vector<Edge>& m = model[e];
    if (op < 70) {
      const size_t at = rng() % (m.size() + 1);
      const Edge ed = MakeEdge(next++);
      lists.Insert(e, at, ed);
      m.insert(m.begin() + static_cast<ptrdiff_t>(at), ed);
    } else if (op < 88) {
      if (m.empty()) continue;
      const size_t at = rng() % m.size();
      lists.Erase(e, at);
      m.erase(m.begin() + static_cast<ptrdiff_t>(at));
    } else if (op < 93) {
      const size_t n = m.empty() ? 0 : rng() % m.size();
      // Truncate keeps a prefix: write the kept edges through Mutable
      // first, as a caller that filters a list in place does.
      const std::span<Edge> w = lists.Mutable(e);
      for (size_t i = 0; i < n; ++i) w[i] = m[m.size() - 1 - i];
      std::vector<Edge> kept(m.rbegin(),
                             m.rbegin() + static_cast<ptrdiff_t>(n));
      lists.Truncate(e, n);
      m = kept;
    } else if (op < 96) {
      lists.Clear(e);
      m.clear();
    } else if (op < 99) {
      lists.MaybeCompact();
    } else {
      lists.Compact();
    }
    if (step % 5000 == 0) ExpectEqual(lists, model);
  }
  ExpectEqual(lists, model);
  lists.Compact();
  ExpectEqual(lists, model);
  size_t held = 0;
  for (const auto& m : model) held += m.size();
  // The heads (8 bytes a slot, grown as a vector grows) and the edges.
  EXPECT_LE(lists.MemoryBytes(), 2 * model.size() * 8 + held * sizeof(Edge));
}

// Layout gives each list its size, back to back; they take edges after.
TEST(EdgeListsTest, LayoutThenEdits) {
  EdgeLists lists;
  const std::vector<uint32_t> sizes = {3, 0, 1, 5, 0};
  lists.Layout(sizes);
  std::vector<std::vector<Edge>> model(sizes.size());
  uint32_t next = 0;
  for (EntityIdx e = 0; e < sizes.size(); ++e) {
    ASSERT_EQ(lists[e].size(), sizes[e]);
    for (Edge& ed : lists.Mutable(e)) model[e].push_back(ed = MakeEdge(next++));
  }
  ExpectEqual(lists, model);
  EXPECT_EQ(lists.MemoryBytes(), sizes.size() * 8 + 9 * sizeof(Edge));
  for (EntityIdx e : {0u, 1u, 3u, 4u, 0u}) {
    lists.PushBack(e, MakeEdge(next));
    model[e].push_back(MakeEdge(next++));
    ExpectEqual(lists, model);
  }
  lists.Erase(3, 0);
  model[3].erase(model[3].begin());
  lists.Compact();
  ExpectEqual(lists, model);
}

// A list that outgrows its room moves; the room it leaves is given back
// by MaybeCompact once there is much of it, not at every change.
TEST(EdgeListsTest, DeadRoomIsGivenBackOnceItOutweighsTheLists) {
  EdgeLists lists;
  constexpr uint32_t kLists = 50000;
  std::vector<uint32_t> sizes(kLists, 4);
  lists.Layout(sizes);
  const size_t laid_out = lists.MemoryBytes();
  lists.MaybeCompact();  // nothing dead: nothing to do
  EXPECT_EQ(lists.MemoryBytes(), laid_out);
  // Each list grows by one: it moves to room for 8.
  for (EntityIdx e = 0; e < kLists; ++e) lists.PushBack(e, MakeEdge(e));
  EXPECT_GT(lists.MemoryBytes(), laid_out * 2);
  lists.MaybeCompact();
  EXPECT_EQ(lists.MemoryBytes(), kLists * 8 + kLists * 5 * sizeof(Edge));
  for (EntityIdx e = 0; e < kLists; ++e) {
    ASSERT_EQ(lists[e].size(), 5u);
    ASSERT_TRUE(Same(lists[e][4], MakeEdge(e)));
  }
}

struct Three {
  uint32_t a, b;
  uint8_t c;
  bool operator==(const Three&) const = default;
};

// Random pushes and inserts (of its own elements too), erases, resizes,
// clears, copies and moves, against a vector.
template <typename T, typename Make>
void SmallListAgainstAVector(Make make) {
  std::mt19937 rng(5);
  SmallList<T> list;
  std::vector<T> model;
  auto same = [&](const SmallList<T>& l) {
    return std::equal(l.begin(), l.end(), model.begin(), model.end());
  };
  for (int step = 0; step < 20000; ++step) {
    const uint32_t op = rng() % 100;
    if (op < 45) {
      if (!model.empty() && rng() % 4 == 0) {  // one of its own
        const size_t at = rng() % model.size();
        list.push_back(list[at]);
        model.push_back(model[at]);
      } else {
        const T t = make(rng());
        if (rng() % 2) {
          list.push_back(t);
        } else {
          list.emplace_back() = t;
        }
        model.push_back(t);
      }
    } else if (op < 55) {
      const size_t at = model.empty() ? 0 : rng() % (model.size() + 1);
      const T t = !model.empty() && rng() % 4 == 0 ? list[rng() % model.size()]
                                                   : make(rng());
      list.insert(list.begin() + at, t);
      model.insert(model.begin() + static_cast<ptrdiff_t>(at), t);
    } else if (op < 75) {
      if (model.empty()) continue;
      const size_t at = rng() % model.size();
      list.erase(list.begin() + at);
      model.erase(model.begin() + static_cast<ptrdiff_t>(at));
    } else if (op < 85) {
      const size_t n = rng() % 20;
      list.resize(n);
      model.resize(n, T{});
    } else if (op < 87) {
      list.clear();
      model.clear();
    } else if (op < 93) {
      SmallList<T> copy = list;
      ASSERT_TRUE(same(copy));
      ASSERT_TRUE(copy == list);
      SmallList<T> moved = std::move(copy);
      ASSERT_TRUE(copy.empty());
      ASSERT_TRUE(same(moved));
      list = moved;  // onto a list with its own elements
      SmallList<T> other;
      other.push_back(make(1));
      other = std::move(moved);
      ASSERT_TRUE(same(other));
    }
    ASSERT_EQ(list.size(), model.size()) << "step " << step;
    ASSERT_TRUE(same(list)) << "step " << step;
    ASSERT_TRUE(
        std::equal(list.rbegin(), list.rend(), model.rbegin(), model.rend()));
    ASSERT_EQ(list.HeapBytes() > 0, model.size() > SmallList<T>::kInline);
    // The heap block is the room the size needs, whatever the list held
    // before (glibc and ASan round a block up by less than 16 bytes).
    if (list.HeapBytes() > 0) {
      ASSERT_LT(malloc_usable_size(list.begin()), list.HeapBytes() + 32)
          << "step " << step;
    }
  }
}

TEST(SmallListTest, EqualsAVector) {
  static_assert(sizeof(SmallList<Three>) == 16 &&
                SmallList<Three>::kInline == 1);
  static_assert(sizeof(SmallList<uint32_t>) == 12 &&
                SmallList<uint32_t>::kInline == 2);
  SmallListAgainstAVector<Three>([](uint32_t x) {
    return Three{x, x * 3, static_cast<uint8_t>(x)};
  });
  SmallListAgainstAVector<uint32_t>([](uint32_t x) { return x; });
}

// The frozen tables equal the maps a graph derives (names: entities in
// slot order; ids: the last slot) with the exceptions applied, whatever
// the exceptions replace, add or erase; names are told apart by text.
TEST(FrozenTablesTest, EqualDerivedMapsWithExceptions) {
  std::mt19937 rng(9);
  const std::vector<std::string> text = {"", "a", "b", "c", "d", "e", "f"};
  auto str = [&](StrId s) { return std::string_view(text[s]); };
  model::StringPool pool;  // the same ids as `text`
  for (size_t i = 1; i < text.size(); ++i) ASSERT_EQ(pool.Intern(text[i]), i);
  for (int round = 0; round < 200; ++round) {
    std::vector<Entity> entities(rng() % 40);
    std::map<StrId, std::vector<EntityIdx>> names;
    std::map<uint64_t, EntityIdx> ids;
    for (EntityIdx i = 0; i < entities.size(); ++i) {
      Entity& e = entities[i];
      e.name = static_cast<StrId>(1 + rng() % 5);  // "f" is never a name
      e.id = 100 + rng() % 30;                     // ids repeat
      e.flags = rng() % 5 ? kLive : 0;
      if (!(e.flags & kLive)) continue;
      names[e.name].push_back(i);
      ids[e.id] = i;
    }
    std::vector<std::vector<EntityIdx>> lists;
    std::vector<std::pair<StrId, std::span<const EntityIdx>>> name_exc;
    std::vector<std::pair<uint64_t, EntityIdx>> id_exc;
    lists.reserve(8);
    for (StrId n = 1; n <= 6; ++n) {
      if (rng() % 3 || entities.empty()) continue;
      auto& list = lists.emplace_back();
      for (size_t k = rng() % 4; k > 0; --k)
        list.push_back(static_cast<EntityIdx>(rng() % entities.size()));
      name_exc.emplace_back(n, list);
      if (list.empty()) {
        names.erase(n);
      } else {
        names[n] = list;
      }
    }
    for (uint64_t id = 100; id < 135; ++id) {
      if (rng() % 4 || entities.empty()) continue;
      const EntityIdx slot =
          rng() % 3 ? static_cast<EntityIdx>(rng() % entities.size())
                    : kNoEntity;
      id_exc.emplace_back(id, slot);
      if (slot == kNoEntity) {
        ids.erase(id);
      } else {
        ids[id] = slot;
      }
    }
    FrozenTables t(entities, pool, name_exc, id_exc);
    for (StrId n = 0; n < text.size(); ++n) {
      const auto got = t.ByName(text[n], str);
      auto it = names.find(n);
      const std::vector<EntityIdx> want =
          it == names.end() ? std::vector<EntityIdx>{} : it->second;
      EXPECT_EQ(std::vector<EntityIdx>(got.begin(), got.end()), want)
          << "round " << round << " name " << text[n];
    }
    EXPECT_TRUE(t.ByName("zz", str).empty());
    auto id_of = [&](EntityIdx e) { return entities[e].id; };
    for (uint64_t id = 90; id < 140; ++id) {
      auto it = ids.find(id);
      // (An exception naming a slot whose entity has another id is not
      // found: only damage makes one.)
      const EntityIdx want = it == ids.end() || entities[it->second].id != id
                                 ? kNoEntity
                                 : it->second;
      EXPECT_EQ(t.ById(id, id_of), want) << "round " << round << " id " << id;
    }
  }
}

// The id index against a map of id -> slot, as a graph uses it: slots
// are filed under their entity's id, an id filed again takes the new
// slot, an erased id is gone; through growth and through removals that
// shift runs back. Ids come from a small set, so probes collide often.
TEST(IdIndexTest, EqualsAMap) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> slot_id(4000);  // the "entities": each slot's id
  std::vector<uint64_t> ids(3000);
  for (uint64_t& id : ids) id = rng();
  auto id_of = [&](EntityIdx e) { return slot_id[e]; };
  IdIndex index;
  std::map<uint64_t, EntityIdx> want;
  std::vector<EntityIdx> free_slots;
  for (EntityIdx e = 0; e < slot_id.size(); ++e) free_slots.push_back(e);
  size_t peak = 0;
  for (int step = 0; step < 60000; ++step) {
    const uint64_t id = ids[rng() % ids.size()];
    if (rng() % 3 != 0 && !free_slots.empty()) {
      // A new entity with this id (in a slot nobody has filed).
      const EntityIdx e = free_slots.back();
      free_slots.pop_back();
      slot_id[e] = id;
      index.Insert(id, e, id_of);
      if (auto it = want.find(id); it != want.end())
        free_slots.push_back(it->second);  // no longer filed
      want[id] = e;
    } else {
      auto it = want.find(id);
      if (it != want.end()) {
        free_slots.push_back(it->second);
        want.erase(it);
      }
      index.Erase(id, id_of);
    }
    ASSERT_EQ(index.size(), want.size()) << "step " << step;
    peak = std::max(peak, want.size());
    // Never more than 80% full (8-byte buckets).
    ASSERT_LE(index.size() * 100, index.MemoryBytes() / 8 * 80);
    if (step % 500 == 0 || step > 59000) {
      for (uint64_t q : ids) {
        auto it = want.find(q);
        const EntityIdx filed = it == want.end() ? kNoEntity : it->second;
        ASSERT_EQ(index.Find(q, id_of), filed) << "step " << step;
      }
      size_t filed = 0;
      index.ForEach([&](EntityIdx e) {
        ++filed;
        EXPECT_EQ(want[slot_id[e]], e);
      });
      ASSERT_EQ(filed, want.size());
    }
  }
  EXPECT_EQ(index.Find(12345, id_of), kNoEntity);
  // Grown to 60% full: at most 1/0.6 of the peak's buckets (and 16).
  EXPECT_LE(index.MemoryBytes(), 8u * (peak * 100 / 60 + 16));
}

}  // namespace
}  // namespace aim::graph
