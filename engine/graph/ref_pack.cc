// A file's references, packed while no update edits or resolves them.
//
// References are what edits need and queries never read: as many as there
// are edges, 48 bytes each unpacked. A file's references are packed into
// bytes (about 9 a reference, with the names it looked up) when an update
// ends, and unpacked when a later one touches the file: an edit of it, or
// a resolution of one of its references (Graph::Refs). An image holds the
// same bytes (format 6), so RefReader checks every field as it reads.
//
// Most of a file's references repeat an earlier one's key: the kind,
// flags, source, path, self type and scope (three quarters on the Debian
// registry: `Ok`, `self.len()`, `Self::new` written again and again), and
// then most often its targets and its lookups too. A repeated key is
// written as its number, and the targets and lookups as a bit each.
//
// Layout: per reference, in order (each field a LEB128 varint unless said)
//   u8 head     bit 0 kRepeat: the key is an earlier reference's
//               bit 1 kSameMade (with kRepeat): the made entries' targets
//                 and confidences are those of the key's last reference
//                 (at most 16 of them)
//               bit 2 kSameLookups (with kRepeat): so are the lookups (at
//                 most 16)
//               bit 3 kFromBase: every made entry's source is the base (the
//                 fixed source with kRefFixedSource, unless none, else the
//                 owner)
//               bits 4-6 the made count, 7 = 7 or more (0 with kSameMade)
//               bit 7 kSameOwner: the owner is the previous reference's
//   key         with kRepeat: (keys numbered so far - 1 - its number);
//               else, taking the next number: u8 kind (bits 0-2) | has a
//               source (bit 3) | self type as the previous reference's
//               (bit 4); u8 flags; source (0 if absent); path; self_type
//               (unless bit 4); scope
//   owner       unless kSameOwner: zigzag of (owner - previous owner)
//   line        zigzag of (line - previous line)
//   made        unless kSameMade: (count - 7) if the head's count is 7,
//               then each entry's (to << 2 | confidence)
//   sources     unless kFromBase: each entry's zigzag of (from - base)
//   lookups     unless kSameLookups: the count, then the names ascending,
//               as deltas
// Differences are taken mod 2^32 (kNoEntity is an owner too).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {
namespace {

inline void Put(uint8_t*& p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
}

// Zigzag of a difference mod 2^32: small either way is small.
inline uint32_t Zig(uint32_t now, uint32_t before) {
  const int32_t d = static_cast<int32_t>(now - before);
  return (static_cast<uint32_t>(d) << 1) ^ static_cast<uint32_t>(d >> 31);
}
inline uint32_t Zag(uint32_t z, uint32_t before) {
  return before + ((z >> 1) ^ (0u - (z & 1)));
}

// Head bits.
constexpr uint8_t kRepeat = 1;
constexpr uint8_t kSameMade = 2;
constexpr uint8_t kSameLookups = 4;
constexpr uint8_t kFromBase = 8;
constexpr int kCountShift = 4;
constexpr uint32_t kManyMade = 7;
constexpr uint8_t kSameOwner = 128;
// The most made entries kSameMade repeats, and lookups kSameLookups does
// (so that what a reader makes of n bytes is at most about 16/3 n made
// entries and as many lookups).
constexpr uint32_t kMaxSameMade = 16;
constexpr uint32_t kMaxSameLookups = 16;
// A new key's kind byte.
constexpr uint8_t kHasSource = 8;
constexpr uint8_t kSameSelf = 16;

// Where a reference's made entries' sources are taken from: its fixed
// source (unless none), else its owner.
inline EntityIdx Base(EntityIdx fixed_source, EntityIdx owner) {
  return fixed_source != kNoEntity ? fixed_source : owner;
}

inline uint32_t TargetCode(EntityIdx to, Confidence c) {
  return uint32_t{to} << 2 | static_cast<uint8_t>(c);
}

}  // namespace

struct Graph::RefWriter::Keys {
  using Key = std::tuple<uint32_t, uint32_t, StrId, StrId, uint32_t>;
  static Key Of(const Ref& r) {
    return {static_cast<uint32_t>(r.kind) | uint32_t{r.flags} << 8, r.source,
            r.path, r.self_type, r.scope};
  }
  // Per key number: where its last reference's targets and lookups are.
  struct Last {
    uint32_t made_begin = 0, made_n = 0, lookups_begin = 0, lookups_n = 0;
  };
  absl::flat_hash_map<Key, uint32_t> number;
  std::vector<Last> last;
  std::vector<uint32_t> targets;  // TargetCode of made entries
  std::vector<StrId> lookups;
};

Graph::RefWriter::RefWriter() : keys_(std::make_unique<Keys>()) {}
Graph::RefWriter::~RefWriter() = default;

uint8_t* Graph::RefWriter::Room(size_t n) {
  if (size_ + n > buf_.size())
    buf_.resize(std::max(buf_.size() * 2, size_ + n));
  return buf_.data() + size_;
}

void Graph::RefWriter::Add(const Ref& r, std::span<const Ref::Made> made,
                           std::span<const StrId> lookups) {
  Keys& keys = *keys_;
  const uint32_t n_made = static_cast<uint32_t>(made.size());
  const auto [it, fresh] = keys.number.try_emplace(
      Keys::Of(r), static_cast<uint32_t>(keys.last.size()));
  const uint32_t number = it->second;
  if (fresh) keys.last.emplace_back();
  Keys::Last& last = keys.last[number];
  bool same_made = false, same_lookups = false;
  if (!fresh) {
    same_made =
        last.made_n == n_made && n_made <= kMaxSameMade &&
        std::equal(made.begin(), made.end(),
                   keys.targets.begin() + last.made_begin,
                   [](const Ref::Made& m, uint32_t t) {
                     return TargetCode(m.to, m.confidence) == t;
                   });
    same_lookups = lookups.size() <= kMaxSameLookups &&
                   std::equal(lookups.begin(), lookups.end(),
                              keys.lookups.begin() + last.lookups_begin,
                              keys.lookups.begin() + last.lookups_begin +
                                  last.lookups_n);
  }
  const EntityIdx base = Base(r.fixed_source(), r.owner);
  const bool from_base =
      std::all_of(made.begin(), made.end(),
                  [&](const Ref::Made& m) { return m.from == base; });

  // (At most: head, a key of 2 bytes and 4 varints, 4 varints, and 2 a
  // made entry and 1 a lookup.)
  uint8_t* p = Room(1 + 2 + 8 * 5 + (2 * n_made + lookups.size()) * 5);
  uint8_t* const begin = p;
  *p++ = static_cast<uint8_t>(
      (fresh ? 0 : kRepeat) | (same_made ? kSameMade : 0) |
      (same_lookups ? kSameLookups : 0) | (from_base ? kFromBase : 0) |
      (same_made ? 0 : std::min(n_made, kManyMade) << kCountShift) |
      (r.owner == owner_ ? kSameOwner : 0));
  if (!fresh) {
    Put(p, keys.last.size() - 1 - number);
  } else {
    *p++ = static_cast<uint8_t>(static_cast<uint8_t>(r.kind) |
                                (r.source != 0 ? kHasSource : 0) |
                                (r.self_type == self_type_ ? kSameSelf : 0));
    *p++ = r.flags;
    if (r.source != 0) Put(p, r.source);
    Put(p, r.path);
    if (r.self_type != self_type_) Put(p, r.self_type);
    Put(p, r.scope);
  }
  self_type_ = r.self_type;
  if (r.owner != owner_) Put(p, Zig(r.owner, owner_));
  owner_ = r.owner;
  Put(p, Zig(r.line, line_));
  line_ = r.line;
  if (!same_made) {
    if (n_made >= kManyMade) Put(p, n_made - kManyMade);
    last.made_begin = static_cast<uint32_t>(keys.targets.size());
    last.made_n = n_made;
    for (const Ref::Made& m : made) {
      Put(p, TargetCode(m.to, m.confidence));
      keys.targets.push_back(TargetCode(m.to, m.confidence));
    }
  }
  if (!from_base)
    for (const Ref::Made& m : made) Put(p, Zig(m.from, base));
  if (!same_lookups) {
    Put(p, lookups.size());
    StrId prev = 0;
    for (StrId l : lookups) {
      Put(p, l - prev);
      prev = l;
    }
    last.lookups_begin = static_cast<uint32_t>(keys.lookups.size());
    last.lookups_n = static_cast<uint32_t>(lookups.size());
    keys.lookups.insert(keys.lookups.end(), lookups.begin(), lookups.end());
  }
  size_ += static_cast<size_t>(p - begin);
}

void Graph::RefWriter::Reset() {
  size_ = 0;
  owner_ = line_ = 0;
  self_type_ = 0;
  keys_->number.clear();
  keys_->last.clear();
  keys_->targets.clear();
  keys_->lookups.clear();
}

Graph::RefReader::RefReader(std::span<const uint8_t> bytes, uint32_t count,
                            size_t n_slots, size_t n_str)
    : begin_(bytes.data()),
      p_(bytes.data()),
      end_(bytes.data() + bytes.size()),
      left_(count),
      n_slots_(std::min<size_t>(n_slots, kMaxSlots)),
      n_str_(n_str) {}

Graph::RefReader::~RefReader() = default;

Graph::Ref Graph::RefReader::ref() const {
  Ref r;
  r.owner = cur_.owner;
  r.source = cur_.key.source;
  r.path = cur_.key.path;
  r.self_type = cur_.key.self_type;
  r.line = cur_.line;
  r.kind = static_cast<EdgeKind>(cur_.key.kind);
  r.scope = cur_.key.scope;
  r.flags = static_cast<uint8_t>(cur_.key.flags);
  return r;
}

std::span<const Graph::Ref::Made> Graph::RefReader::made() const {
  return {made_.data() + made_begin_, made_n_};
}

std::span<const StrId> Graph::RefReader::lookups() const {
  const Key& k = keys_[key_];
  return {lookups_.data() + k.lookups_begin, k.lookups_n};
}

bool Graph::RefReader::Fail(const uint8_t* at, std::string what) {
  error_ = std::move(what);
  error_at_ = static_cast<size_t>(at - begin_);
  left_ = 0;
  p_ = end_;
  return false;
}

bool Graph::RefReader::GetLong(uint32_t& v, const char* what) {
  const uint8_t* const at = p_;
  uint64_t x = 0;
  for (int shift = 0;; shift += 7) {
    if (p_ == end_) return Fail(at, std::string(what) + ": truncated");
    const uint8_t b = *p_++;
    x |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
    if (shift == 28) return Fail(at, std::string(what) + ": varint too long");
  }
  if (x > UINT32_MAX)
    return Fail(at, std::string(what) + ": " + std::to_string(x) +
                        " is past 32 bits");
  v = static_cast<uint32_t>(x);
  return true;
}

bool Graph::RefReader::Next() {
  if (left_ == 0) {
    if (p_ != end_ && error_.empty())
      return Fail(p_, std::to_string(end_ - p_) +
                          " bytes after the last reference");
    return false;
  }
  --left_;
  const uint8_t* const at = p_;
  if (p_ == end_) return Fail(at, "head: truncated");
  const uint8_t head = *p_++;
  if (!(head & kRepeat) && (head & (kSameMade | kSameLookups)))
    return Fail(at, "head: the same targets or lookups as no key");
  if ((head & kSameMade) && (head >> kCountShift & 7) != 0)
    return Fail(at, "head: a made count beside the same targets");
  uint32_t v = 0;
  if (head & kRepeat) {
    if (!Get(v, "key")) return false;
    if (v >= keys_.size())
      return Fail(at, "key " + std::to_string(v) + " back of " +
                          std::to_string(keys_.size()) + " keys");
    key_ = static_cast<uint32_t>(keys_.size() - 1 - v);
    cur_.key = keys_[key_].fields;
  } else {
    if (end_ - p_ < 2) return Fail(p_, "key: truncated");
    const uint8_t kind = *p_++;
    cur_.key.flags = *p_++;
    if ((kind & 7) >= model::kEdgeKindCount || kind >= 32)
      return Fail(at + 1, "key: kind byte " + std::to_string(kind));
    cur_.key.kind = kind & 7;
    uint32_t source = 0;
    if ((kind & kHasSource) && !Get(source, "source")) return false;
    const bool fixed = cur_.key.flags & kRefFixedSource;
    if (fixed ? source >= n_slots_ && source != kNoEntity : source >= n_str_)
      return Fail(at, std::string(fixed ? "fixed source " : "source path ") +
                          std::to_string(source) + " out of range");
    cur_.key.source = source;
    if (!Get(v, "path")) return false;
    if (v >= n_str_)
      return Fail(at, "path " + std::to_string(v) + " out of range");
    cur_.key.path = v;
    if (!(kind & kSameSelf)) {
      if (!Get(v, "self type")) return false;
      if (v >= n_str_)
        return Fail(at, "self type " + std::to_string(v) + " out of range");
      cur_.key.self_type = v;
    }
    if (!Get(v, "scope")) return false;
    if (v >= kMaxScopes)
      return Fail(at, "scope " + std::to_string(v) + " out of range");
    cur_.key.scope = v;
    key_ = static_cast<uint32_t>(keys_.size());
    keys_.emplace_back().fields = cur_.key;
  }
  if (!(head & kSameOwner)) {
    if (!Get(v, "owner")) return false;
    cur_.owner = Zag(v, cur_.owner);
  }
  // (Checked either way: the first reference's "same" owner is 0.)
  if (cur_.owner >= n_slots_ && cur_.owner != kNoEntity)
    return Fail(at, "owner " + std::to_string(cur_.owner) + " out of range");
  if (!Get(v, "line")) return false;
  const uint32_t line = Zag(v, cur_.line);
  if (line > kMaxEdgeLine)
    return Fail(at, "line " + std::to_string(line) + " out of range");
  cur_.line = line;

  Key& key = keys_[key_];
  uint32_t n = 0;
  if (head & kSameMade) {
    n = key.made_n;
    if (n > kMaxSameMade)
      return Fail(at, "the same targets, " + std::to_string(n) + " of them");
  } else {
    n = head >> kCountShift & 7;
    if (n == kManyMade) {
      if (!Get(v, "made count")) return false;
      // (Each entry takes a byte at least.)
      if (v > static_cast<size_t>(end_ - p_))
        return Fail(at, "made count " + std::to_string(v) +
                            " past the bytes left");
      n += v;
    }
  }
  const size_t first = made_.size();
  made_.resize(first + n);
  for (uint32_t i = 0; i < n; ++i) {
    Ref::Made& m = made_[first + i];
    if (head & kSameMade) {
      m = made_[key.made_begin + i];
      continue;
    }
    if (!Get(v, "made target")) return false;
    if ((v >> 2) >= n_slots_ || (v & 3) >= 3)
      return Fail(at, "made target " + std::to_string(v >> 2) +
                          " or confidence " + std::to_string(v & 3) +
                          " out of range");
    m.to = v >> 2;
    m.confidence = static_cast<Confidence>(v & 3);
  }
  const EntityIdx base =
      Base((cur_.key.flags & kRefFixedSource) ? cur_.key.source : kNoEntity,
           cur_.owner);
  for (uint32_t i = 0; i < n; ++i) {
    Ref::Made& m = made_[first + i];
    if (head & kFromBase) {
      m.from = base;
    } else {
      if (!Get(v, "made source")) return false;
      m.from = Zag(v, base);
    }
    if (m.from >= n_slots_)
      return Fail(at, "made source " + std::to_string(m.from) +
                          " out of range");
  }
  key.made_begin = made_begin_ = static_cast<uint32_t>(first);
  key.made_n = made_n_ = n;

  if ((head & kSameLookups) && key.lookups_n > kMaxSameLookups)
    return Fail(at, "the same lookups, " + std::to_string(key.lookups_n) +
                        " of them");
  if (!(head & kSameLookups)) {
    if (!Get(v, "lookup count")) return false;
    if (v > static_cast<size_t>(end_ - p_))
      return Fail(at, "lookup count " + std::to_string(v) +
                          " past the bytes left");
    const uint32_t count = v;
    key.lookups_begin = static_cast<uint32_t>(lookups_.size());
    key.lookups_n = count;
    StrId name = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (!Get(v, "lookup")) return false;
      if (i > 0 && v == 0) return Fail(at, "a lookup named twice");
      if (v >= n_str_ - name)
        return Fail(at, "lookup past " + std::to_string(name) + " by " +
                            std::to_string(v) + " out of range");
      name += v;
      lookups_.push_back(name);
    }
  }
  return true;
}

void Graph::PackFile(File& f, RefWriter& w) {
  if (!f.warm) return;
  w.Reset();
  size_t made = 0;
  for (const Ref& r : f.refs) {
    w.Add(r, r.made, r.lookups);
    made += r.made.size();
  }
  w.CopyTo(f.packed);
  f.ref_count = static_cast<uint32_t>(f.refs.size());
  f.made_count = static_cast<uint32_t>(made);
  std::vector<Ref>().swap(f.refs);
  f.warm = false;
}

void Graph::UnpackRefs(const File& f, std::vector<Ref>* out) const {
  RefReader in(f.packed, f.ref_count, entities_.size(), strings_.size());
  while (in.Next()) {
    Ref& r = out->emplace_back(in.ref());
    r.made.assign(in.made());
    r.lookups.assign(in.lookups());
  }
  if (!in.error().empty()) OwnRefsDamaged(f, in);
}

void Graph::OwnRefsDamaged(const File& f, const RefReader& in) {
  std::fprintf(stderr,
               "aim: a file's packed references (string %u) fail to read: %s "
               "at byte %zu\n",
               f.path, in.error().c_str(), in.offset());
  std::abort();
}

size_t Graph::RefCount(const File& f) {
  return f.warm ? f.refs.size() : f.ref_count;
}

std::vector<Graph::Ref>& Graph::Refs(uint32_t fi) {
  File& f = files_[fi];
  if (!f.warm) {
    f.refs.reserve(f.ref_count);
    UnpackRefs(f, &f.refs);
    std::vector<uint8_t>().swap(f.packed);
    f.warm = true;
    warm_files_.push_back(fi);
  }
  return f.refs;
}

void Graph::PackWarmFiles() {
  // The files an update edits stay unpacked until an update edits others
  // (a file is most often saved again and again), unless it edited many.
  constexpr size_t kKeepEdited = 4;
  std::sort(edited_.begin(), edited_.end());
  edited_.erase(std::unique(edited_.begin(), edited_.end()), edited_.end());
  const bool keep = edited_.size() <= kKeepEdited;
  size_t kept = 0;
  RefWriter w;
  for (uint32_t fi : warm_files_) {
    if (keep && std::binary_search(edited_.begin(), edited_.end(), fi)) {
      warm_files_[kept++] = fi;
    } else {
      PackFile(files_[fi], w);
    }
  }
  warm_files_.resize(kept);
  edited_.clear();
}

void Graph::NoteLookup(StrId name, uint32_t fi) {
  SmallList<uint32_t>& files = lookup_files_[name];
  // (Pending references resolve in file order: most often fi is the last.)
  if (!files.empty() && files[files.size() - 1] >= fi) {
    const uint32_t* at = std::lower_bound(files.begin(), files.end(), fi);
    if (*at != fi) files.insert(at, fi);
    return;
  }
  files.push_back(fi);
}

}  // namespace aim::graph
