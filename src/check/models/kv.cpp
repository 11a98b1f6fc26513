// Key-value stores: per key get, put, append, delete and compare-and-set (etcd's operations).
#include <algorithm>
#include <map>
#include <optional>

#include "check/models/common.h"

namespace faultline::check::models {
namespace {

enum class Kind { read, write, cas, append, remove };

struct Prepared {
  Kind kind;
  uint32_t key = 0;       // index of its key in the partition
  uint64_t a = 0, b = 0;  // put/append: a (for append, b = B^length); cas: a -> b
  uint64_t out = 0;       // what a read returned
  bool unknown = false;
};

// Key-value. A key's value is kept as its polynomial hash modulo 2^61 - 1 (the empty string and
// nil both hash to 0, so a key never written reads as nil or "", as Porcupine's and Jepsen's kv
// tests expect), which makes an append O(1): H(s + t) = H(s) * B^|t| + H(t). Two different strings
// share a hash with probability about 2^-61 per pair. With one key (the partitioned case) the
// state is that hash; with several, the state is the id of an interned tuple of them.
class KvInstance : public ModelInstance {
 public:
  explicit KvInstance(const std::vector<Operation>& ops) {
    std::map<std::string, uint32_t> keys;
    for (const Operation& op : ops) {
      Prepared p;
      p.kind = kind_of(op);
      p.unknown = op.unknown;
      const std::string key = op.key.value_or("");
      p.key = keys.try_emplace(key, static_cast<uint32_t>(keys.size())).first->second;
      switch (p.kind) {
        case Kind::read: p.out = op.unknown ? 0 : hash(op.output); break;
        case Kind::write: p.a = hash(op.input); break;
        case Kind::append:
          p.a = hash(op.input);
          p.b = power(op.input.text().size());
          break;
        case Kind::cas: {
          const auto [from, to] = from_to(op);
          p.a = hash(from);
          p.b = hash(to);
          break;
        }
        case Kind::remove: break;
      }
      ops_.push_back(p);
      texts_.push_back(op.input);
      outputs_.push_back(p.kind == Kind::read ? op.output : Value{});
    }
    width_ = keys.size();
    key_names_.resize(keys.size());
    for (const auto& [name, index] : keys) key_names_[index] = name;
    scratch_.resize(width_);
  }

  static Kind kind_of(const Operation& op) {
    if (is_one_of(op.f, {"read", "r", "get"})) return Kind::read;
    if (is_one_of(op.f, {"write", "w", "put"})) return Kind::write;
    if (is_one_of(op.f, {"cas", "compare-and-set", "compare_and_set"})) return Kind::cas;
    if (op.f == "append") return Kind::append;
    if (is_one_of(op.f, {"delete", "del", "remove"})) return Kind::remove;
    throw unknown_operation(op);
  }

  uint64_t init() override {
    if (width_ <= 1) return 0;
    std::fill(scratch_.begin(), scratch_.end(), 0);
    return tuples_.intern(scratch_);
  }

  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    const uint64_t current = width_ <= 1 ? state : tuples_.at(state)[op.key];
    uint64_t value = current;
    bool ok = true;
    switch (op.kind) {
      case Kind::read: ok = op.unknown || op.out == current; break;
      case Kind::write: value = op.a; break;
      case Kind::remove: value = 0; break;
      case Kind::append: value = add(mul(current, op.b), op.a); break;
      case Kind::cas:
        if (current == op.a) {
          value = op.b;
        } else {
          ok = op.unknown;
        }
        break;
    }
    if (recording_ && ok && value != current) record(current, index, value);
    *next = value == current ? state : with(state, op.key, value);
    return ok;
  }

  std::string describe_state(uint64_t state) const override {
    if (width_ <= 1) return name_of(state);
    std::string out = "{";
    for (size_t k = 0; k < width_; ++k) {
      out += (k ? ", " : "") + key_names_[k] + ": " + name_of(tuples_.at(state)[k]);
    }
    return out + "}";
  }

  bool observes_only(size_t op) const override { return ops_[op].kind == Kind::read; }

  uint32_t footprint(size_t op) const override { return ops_[op].key; }

  // Values change only by appends (which extend them) and puts, deletes and swaps (which reset
  // them): a read fits later only if its key's value now is a prefix of what it read and something
  // before it appends, or something before it resets the value to a prefix of what it read.
  bool may_fit_after(uint64_t state, size_t index, const std::vector<size_t>& before) override {
    const Prepared& read = ops_[index];
    bool appends = false;
    for (size_t b : before) {
      const Prepared& op = ops_[b];
      if (op.key != read.key) continue;
      switch (op.kind) {
        case Kind::read: break;
        case Kind::append: appends = true; break;
        case Kind::remove: return true;
        case Kind::write:
          if (is_prefix(op.a, index)) return true;
          break;
        case Kind::cas:
          if (is_prefix(op.b, index)) return true;
          break;
      }
    }
    return appends && is_prefix(width_ <= 1 ? state : tuples_.at(state)[read.key], index);
  }

  void record_descriptions() override { recording_ = true; }

 private:
  static constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;
  static constexpr uint64_t kBase = 0x1f2e3d4c5b6a7988ULL % kPrime;

  static uint64_t mul(uint64_t a, uint64_t b) {
    const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
    uint64_t r = static_cast<uint64_t>(p & kPrime) + static_cast<uint64_t>(p >> 61);
    return r >= kPrime ? r - kPrime : r;
  }
  static uint64_t add(uint64_t a, uint64_t b) {
    const uint64_t r = a + b;
    return r >= kPrime ? r - kPrime : r;
  }
  // The hash of a string with one more character.
  static uint64_t extend(uint64_t h, unsigned char c) { return add(mul(h, kBase), c + 1); }
  uint64_t hash(const Value& v) {
    const std::string s = v.text();
    uint64_t h = 0;
    for (unsigned char c : s) h = extend(h, c);
    if (!s.empty()) strings_.emplace(h, s);
    return h;
  }
  static uint64_t power(size_t n) {
    uint64_t result = 1, base = kBase;
    for (; n; n >>= 1, base = mul(base, base)) {
      if (n & 1) result = mul(result, base);
    }
    return result;
  }
  void record(uint64_t before, size_t index, uint64_t after) {
    if (strings_.count(after)) return;
    const Prepared& op = ops_[index];
    strings_[after] = op.kind == Kind::append ? name_text(before) + texts_[index].text() : texts_[index].text();
  }
  std::string name_text(uint64_t h) const {
    auto it = strings_.find(h);
    return it == strings_.end() ? std::string() : it->second;
  }
  std::string name_of(uint64_t h) const {
    if (h == 0) return "nil";
    auto it = strings_.find(h);
    return it == strings_.end() ? "<a value of hash " + std::to_string(h) + ">" : "\"" + it->second + "\"";
  }

  // Whether the value of hash `h` is a prefix of what read `index` returned: the read's prefix
  // hashes are computed when first asked, within a memory budget (beyond it: true, unsure).
  bool is_prefix(uint64_t h, size_t index) {
    if (h == 0) return true;
    auto [it, inserted] = prefixes_.try_emplace(index);
    std::optional<std::vector<uint64_t>>& hashes = it->second;
    if (inserted) {
      const std::string s = outputs_[index].text();
      if (prefix_budget_ < s.size()) return true;  // hashes stays empty: unsure from now on
      prefix_budget_ -= s.size();
      hashes.emplace();
      uint64_t p = 0;
      for (unsigned char c : s) hashes->push_back(p = extend(p, c));
      std::sort(hashes->begin(), hashes->end());
    }
    return !hashes || std::binary_search(hashes->begin(), hashes->end(), h);
  }

  uint64_t with(uint64_t state, uint32_t key, uint64_t value) {
    if (width_ <= 1) return value;
    const auto tuple = tuples_.at(state);
    std::copy(tuple.begin(), tuple.end(), scratch_.begin());
    scratch_[key] = value;
    return tuples_.intern(scratch_);
  }

  std::vector<Prepared> ops_;
  std::vector<Value> texts_;
  std::vector<Value> outputs_;  // what reads returned
  std::unordered_map<size_t, std::optional<std::vector<uint64_t>>> prefixes_;  // hashes of a read's prefixes
  size_t prefix_budget_ = size_t{1} << 23;  // characters (8 bytes each)
  size_t width_ = 0;
  std::vector<std::string> key_names_;
  std::unordered_map<uint64_t, std::string> strings_;
  bool recording_ = false;
  std::vector<uint64_t> scratch_;
  Sequences tuples_;
};

}  // namespace

std::unique_ptr<Model> make_kv() { return std::make_unique<KeyedModel<KvInstance>>("kv"); }

}  // namespace faultline::check::models
