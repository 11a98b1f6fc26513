// The memo of Lowe's improvement to Wing & Gong's search: the (linearized set, state)
// configurations already explored, so that none is explored twice.
#ifndef FAULTLINE_SRC_CHECK_MEMO_H_
#define FAULTLINE_SRC_CHECK_MEMO_H_

#include <cstdint>
#include <vector>

namespace faultline::check {

// Splitmix64's finalizer: a cheap, well-mixing 64-bit hash.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A set is kept as two independent 64-bit Zobrist hashes (xor of per-operation keys, updated in
// O(1) as operations are linearized and undone), folded with the state into one 128-bit
// fingerprint: 16 bytes an entry whatever the history's length, where a bitset would take n/8, so
// that the table stays in cache longer. Two different configurations are taken for one only if
// their 128-bit fingerprints collide.
class Memo {
 public:
  Memo() : slots_(1 << 10) {}

  // True when the configuration is new (and now remembered).
  bool insert(uint64_t set1, uint64_t set2, uint64_t state) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    // The low bit marks a used slot.
    return place(slots_, {(set1 ^ mix(state)) | 1, set2 ^ mix(state ^ 0x5bd1e9955bd1e995ULL)}, true);
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t a, b;  // a == 0: empty
  };
  bool place(std::vector<Slot>& slots, const Slot& entry, bool count) {
    const size_t mask = slots.size() - 1;
    for (size_t i = (entry.a >> 1) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots[i];
      if (slot.a == 0) {
        slot = entry;
        size_ += count;
        return true;
      }
      if (slot.a == entry.a && slot.b == entry.b) return false;
    }
  }
  void grow() {
    std::vector<Slot> bigger(slots_.size() * 4);
    for (const Slot& s : slots_) {
      if (s.a != 0) place(bigger, s, false);
    }
    slots_.swap(bigger);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_MEMO_H_
