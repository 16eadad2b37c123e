// The string pool: interning, unindexed appends, and InternMany giving
// exactly the ids that interning one by one gives.
#include "engine/model/strings.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace aim::model {
namespace {

TEST(StringPoolTest, InternDeduplicatesAppendDoesNot) {
  StringPool pool;
  EXPECT_EQ(pool.Intern(""), kEmptyStr);
  const StrId a = pool.Intern("alpha");
  EXPECT_EQ(pool.Intern("alpha"), a);
  EXPECT_EQ(pool.Find("alpha"), a);
  EXPECT_EQ(pool.Find("beta"), StringPool::kNoStr);
  const StrId sig = pool.Append("alpha");
  EXPECT_NE(sig, a);
  EXPECT_EQ(pool.Get(sig), "alpha");
  EXPECT_FALSE(pool.Indexed(sig));
  EXPECT_TRUE(pool.Indexed(a));
}

// Batches of strings already in the pool, new ones, and new ones more than
// once in a batch, large enough to grow the index mid-stream: InternMany
// hands out the ids Intern would, in the same order.
TEST(StringPoolTest, InternManyEqualsInterningInOrder) {
  StringPool one_by_one, batched;
  std::mt19937_64 rng(3);
  std::vector<std::string> known;
  for (int round = 0; round < 40; ++round) {
    const size_t n = rng() % (round < 30 ? 50 : 5000);
    std::vector<std::string> words;
    for (size_t i = 0; i < n; ++i) {
      if (!known.empty() && rng() % 3 == 0) {
        words.push_back(known[rng() % known.size()]);
      } else if (!words.empty() && rng() % 5 == 0) {
        words.push_back(words[rng() % words.size()]);  // twice in a batch
      } else {
        words.push_back("w" + std::to_string(rng() % 100000));
        known.push_back(words.back());
      }
    }
    if (round % 7 == 0) {  // unindexed strings between batches
      ASSERT_EQ(one_by_one.Append("sig"), batched.Append("sig"));
    }
    std::vector<std::string_view> views(words.begin(), words.end());
    std::vector<StrId> got(views.size());
    batched.InternMany(views, got);
    for (size_t i = 0; i < words.size(); ++i) {
      ASSERT_EQ(got[i], one_by_one.Intern(words[i])) << words[i];
      ASSERT_EQ(batched.Get(got[i]), words[i]);
    }
  }
  EXPECT_EQ(batched.size(), one_by_one.size());
  for (const std::string& w : known)
    EXPECT_EQ(batched.Find(w), one_by_one.Find(w));
  std::vector<StrId> none;
  batched.InternMany({}, none);  // an empty batch is fine
}

// Strings stored without their index entries are found once filed; a
// string whose text is found already is not filed again.
TEST(StringPoolTest, IndexStoredFilesWhatIsNotFoundYet) {
  StringPool pool;
  const StrId interned = pool.Intern("beta");
  const StrId a = pool.Append("alpha");
  const StrId b = pool.Append("beta");
  const StrId c = pool.Append("gamma");
  EXPECT_EQ(pool.Find("alpha"), StringPool::kNoStr);
  const StrId ids[] = {a, b, c, a};
  pool.IndexStored(ids);
  EXPECT_EQ(pool.Find("alpha"), a);
  EXPECT_EQ(pool.Find("beta"), interned);
  EXPECT_EQ(pool.Find("gamma"), c);
  EXPECT_FALSE(pool.Indexed(b));
  EXPECT_EQ(pool.Intern("gamma"), c);
}

// A view handed out stays where it is while the pool grows by many times
// its first size (the text never moves), and every string reads back.
TEST(StringPoolTest, ViewsStayValidAsThePoolGrows) {
  StringPool pool;
  const StrId first = pool.Intern("first string");
  const std::string_view view = pool.Get(first);
  std::vector<std::pair<StrId, std::string>> sampled;
  for (int i = 0; pool.bytes() < (size_t{12} << 20); ++i) {
    std::string s(static_cast<size_t>(i % 700), static_cast<char>('a' + i % 26));
    s += std::to_string(i);
    const StrId id = i % 2 ? pool.Append(s) : pool.Intern(s);
    if (i % 997 == 0) sampled.emplace_back(id, s);
  }
  EXPECT_EQ(pool.Get(first).data(), view.data());
  EXPECT_EQ(view, "first string");
  ASSERT_GT(sampled.size(), 10u);
  for (const auto& [id, s] : sampled) EXPECT_EQ(pool.Get(id), s);
  EXPECT_EQ(pool.Get(kEmptyStr), "");
  EXPECT_GE(pool.TextBytes(), pool.bytes());
}

// Strings loaded packed (as an image's are: the index filled to 3/4),
// then interned one by one far past that: each is found where it was
// filed, new ones get new ids, and the index never runs fuller than 80%
// nor, once grown, emptier than about half (8-byte slots).
TEST(StringPoolTest, PackedThenInternedStayFoundAndTheIndexDense) {
  StringPool pool;
  std::vector<std::string> words;
  std::string bytes;
  std::vector<uint32_t> lengths, hashes;
  std::vector<uint8_t> indexed;
  for (int i = 0; i < 30000; ++i) {
    words.push_back("packed::" + std::to_string(i * 7919));
    bytes += words.back();
    lengths.push_back(static_cast<uint32_t>(words.back().size()));
    hashes.push_back(StringPool::Hash(words.back()));
    if (i % 8 == 0) indexed.push_back(0);
    indexed.back() |= static_cast<uint8_t>(1u << (i % 8));
  }
  const StrId first = static_cast<StrId>(pool.size());
  ASSERT_TRUE(pool.AppendPacked(bytes, lengths, indexed, hashes));
  size_t n_indexed = 1 + words.size();  // ("" too)
  auto check_density = [&] {
    const size_t slots = pool.IndexBytes() / 8;
    EXPECT_LE(n_indexed * 100, slots * 80) << n_indexed << " in " << slots;
    EXPECT_GE(n_indexed * 100, slots * 45) << n_indexed << " in " << slots;
  };
  check_density();
  for (size_t i = 0; i < words.size(); ++i)
    ASSERT_EQ(pool.Find(words[i]), first + i) << words[i];
  std::mt19937_64 rng(5);
  for (int i = 0; i < 60000; ++i) {
    if (rng() % 4 == 0) {  // one known already
      const size_t k = rng() % words.size();
      ASSERT_EQ(pool.Intern(words[k]), pool.Find(words[k]));
      continue;
    }
    const std::string w = "new::" + std::to_string(i);
    const StrId id = pool.Intern(w);
    ASSERT_EQ(id, pool.size() - 1);
    words.push_back(w);
    ++n_indexed;
    if (i % 1000 == 0) check_density();
  }
  check_density();
  for (size_t i = 0; i < words.size(); ++i)
    ASSERT_EQ(pool.Get(pool.Find(words[i])), words[i]);
}

}  // namespace
}  // namespace aim::model
