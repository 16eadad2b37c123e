// SmallList: a list of trivially copyable elements, in 12 or 16 bytes
// (an absl::InlinedVector takes 24 or more): N elements inline (as many
// as fit in 8 bytes, at least one), more on the heap. For the graph's
// many short lists: a reference's made edges, a name's entities.
#ifndef AIM_ENGINE_GRAPH_SMALL_LIST_H_
#define AIM_ENGINE_GRAPH_SMALL_LIST_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <span>
#include <type_traits>

namespace aim::graph {

template <typename T>
class SmallList {
 public:
  static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= 4);
  // Elements held inline.
  static constexpr uint32_t kInline = sizeof(T) >= 8 ? 1 : 8 / sizeof(T);

  SmallList() = default;
  SmallList(const SmallList& o) { Assign(o.begin(), o.size()); }
  SmallList(SmallList&& o) noexcept { Take(o); }
  SmallList& operator=(const SmallList& o) {
    if (this != &o) Assign(o.begin(), o.size());
    return *this;
  }
  SmallList& operator=(SmallList&& o) noexcept {
    if (this != &o) {
      clear();
      Take(o);
    }
    return *this;
  }
  ~SmallList() { clear(); }
  void assign(std::span<const T> items) { Assign(items.data(), items.size()); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return OnHeap() ? Heap() : u_.items; }
  const T* data() const { return OnHeap() ? Heap() : u_.items; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  std::reverse_iterator<const T*> rbegin() const {
    return std::reverse_iterator<const T*>(end());
  }
  std::reverse_iterator<const T*> rend() const {
    return std::reverse_iterator<const T*>(begin());
  }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  // (Element by element: T's padding, if any, is not compared.)
  bool operator==(const SmallList& o) const {
    return std::equal(begin(), end(), o.begin(), o.end());
  }

  void reserve(size_t) {}  // grows by doubling; nothing to gain
  void push_back(const T& value) {
    const T v = value;  // (it may be one of ours)
    if (size_ < kInline) {
      u_.items[size_++] = v;
      return;
    }
    if (size_ == kInline || std::has_single_bit(size_))
      Move(Room(size_ + 1));  // full
    Heap()[size_++] = v;
  }
  T& emplace_back() {
    push_back(T{});
    return data()[size_ - 1];
  }
  // Removes the element at `pos` (keeping the order of the rest).
  void erase(const T* pos) {
    T* d = data();
    const size_t i = static_cast<size_t>(pos - d);
    std::memmove(d + i, d + i + 1, (size_ - i - 1) * sizeof(T));
    Shrink(size_ - 1);
  }
  // Inserts `value` before `pos` (keeping the order of the rest).
  void insert(const T* pos, const T& value) {
    const T v = value;  // (it may be one of ours)
    const size_t i = static_cast<size_t>(pos - data());
    resize(size_ + 1);
    T* d = data();
    std::memmove(d + i + 1, d + i, (size_ - 1 - i) * sizeof(T));
    d[i] = v;
  }
  // New elements are zero.
  void resize(size_t n) {
    if (n <= size_) return Shrink(static_cast<uint32_t>(n));
    const uint32_t want = static_cast<uint32_t>(n);
    T* d = u_.items;
    if (want > kInline) {
      if (!OnHeap() || Room(want) > Room(size_)) Move(Room(want));
      d = Heap();
    }
    std::memset(static_cast<void*>(d + size_), 0, (n - size_) * sizeof(T));
    size_ = want;
  }
  void clear() { Shrink(0); }
  // Bytes held on the heap (what the list asked the allocator for).
  size_t HeapBytes() const { return OnHeap() ? Room(size_) * sizeof(T) : 0; }

 private:
  bool OnHeap() const { return size_ > kInline; }
  // The heap room a list of n (> kInline) elements has at least: a power
  // of two. A list moves to more room when it is full by this rule.
  static uint32_t Room(uint32_t n) { return std::bit_ceil(n); }
  T* Heap() const {
    T* p;
    std::memcpy(&p, u_.heap, sizeof(p));
    return p;
  }
  // To heap room for `room` elements, from inline or other heap room
  // (size_ unchanged: the caller sets it past kInline if it was not).
  void Move(uint32_t room) {
    T* grown = static_cast<T*>(std::malloc(room * sizeof(T)));
    if (grown == nullptr) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(grown, data(), size_ * sizeof(T));
    if (OnHeap()) std::free(Heap());
    std::memcpy(u_.heap, &grown, sizeof(grown));
  }
  // Down to n elements: back inline at kInline or fewer, else into the
  // room n needs (so that a list holds Room(size) on the heap, always).
  void Shrink(uint32_t n) {
    if (OnHeap() && n <= kInline) {
      T* heap = Heap();
      if (n > 0) std::memcpy(u_.items, heap, n * sizeof(T));
      std::free(heap);
    } else if (OnHeap() && Room(n) < Room(size_)) {
      T* smaller = static_cast<T*>(std::malloc(Room(n) * sizeof(T)));
      if (smaller == nullptr) throw std::bad_alloc();
      std::memcpy(smaller, Heap(), n * sizeof(T));
      std::free(Heap());
      std::memcpy(u_.heap, &smaller, sizeof(smaller));
    }
    size_ = n;
  }
  // (`from` is another list's.)
  void Assign(const T* from, size_t n) {
    clear();
    resize(n);
    if (n > 0) std::memcpy(data(), from, n * sizeof(T));
  }
  void Take(SmallList& o) {
    u_ = o.u_;
    size_ = o.size_;
    o.size_ = 0;
  }

  uint32_t size_ = 0;
  // The elements (size_ <= kInline), or the heap room's address, kept as
  // bytes: at offset 4, it is not aligned as a pointer is.
  union Room_ {
    T items[kInline];
    unsigned char heap[sizeof(T*)];
  } u_{};
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_SMALL_LIST_H_
