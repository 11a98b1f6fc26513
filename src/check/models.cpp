// The built-in models. Values are interned: the search sees only 64-bit ids.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "check/model.h"

namespace faultline::check {
namespace {

enum class Kind { read, write, cas, append, remove };

Kind kind_of(const Operation& op, bool allow_cas, bool keyed) {
  const std::string& f = op.f;
  if (f == "read" || f == "r" || f == "get") return Kind::read;
  if (f == "write" || f == "w" || f == "put") return Kind::write;
  if (allow_cas && (f == "cas" || f == "compare-and-set" || f == "compare_and_set")) return Kind::cas;
  if (keyed && f == "append") return Kind::append;
  if (keyed && (f == "delete" || f == "del" || f == "remove")) return Kind::remove;
  throw std::invalid_argument("line " + std::to_string(op.line) + ": the model has no operation \"" + f + "\"");
}

// Interns values: nil is 0. Strings and numbers that print alike are one value.
class Values {
 public:
  uint64_t id(const Value& v) {
    if (v.is_nil()) return 0;
    return id(plain(v));
  }
  uint64_t id(const std::string& text) {
    auto [it, inserted] = ids_.try_emplace(text, names_.size() + 1);
    if (inserted) names_.push_back(text);
    return it->second;
  }
  const std::string& name(uint64_t id) const {
    static const std::string nil = "nil";
    return id == 0 ? nil : names_[id - 1];
  }
  static std::string plain(const Value& v) {
    if (const auto* s = std::get_if<std::string>(&v.v)) return *s;
    return v.to_string();
  }

 private:
  std::unordered_map<std::string, uint64_t> ids_;
  std::vector<std::string> names_;
};

// One operation, prepared: its kind and interned arguments.
struct Prepared {
  Kind kind;
  uint32_t key = 0;      // index of its key in the partition (kv)
  uint64_t a = 0, b = 0;  // write/put/append: a; cas: a -> b
  uint64_t out = 0;      // what a read returned
  bool unknown = false;
};

// Registers, with or without cas. The state is the value's id.
class RegisterInstance : public ModelInstance {
 public:
  RegisterInstance(const std::vector<Operation>& ops, bool allow_cas) {
    for (const Operation& op : ops) {
      Prepared p;
      p.kind = kind_of(op, allow_cas, false);
      p.unknown = op.unknown;
      if (p.kind == Kind::write) p.a = values_.id(op.input);
      if (p.kind == Kind::read && !op.unknown) p.out = values_.id(op.output);
      if (p.kind == Kind::cas) {
        const auto* pair = std::get_if<std::vector<Value>>(&op.input.v);
        if (pair == nullptr || pair->size() != 2) {
          throw std::invalid_argument("line " + std::to_string(op.line) + ": cas needs [from to]");
        }
        p.a = values_.id((*pair)[0]);
        p.b = values_.id((*pair)[1]);
      }
      ops_.push_back(p);
    }
  }
  uint64_t init() override { return 0; }
  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    switch (op.kind) {
      case Kind::read:
        *next = state;
        return op.unknown || op.out == state;
      case Kind::write:
        *next = op.a;
        return true;
      case Kind::cas:
        if (state == op.a) {
          *next = op.b;
          return true;
        }
        *next = state;
        return op.unknown;  // a cas that succeeded needs its `from`; an unknown one may have failed
      default: return false;
    }
  }
  std::string describe_state(uint64_t state) const override { return values_.name(state); }
  bool observes_only(size_t op) const override { return ops_[op].kind == Kind::read; }
  // A read fits later only if something before it can write what it read.
  bool may_fit_after(uint64_t, size_t index, const std::vector<size_t>& before) override {
    const uint64_t wanted = ops_[index].out;
    for (size_t b : before) {
      const Prepared& op = ops_[b];
      if ((op.kind == Kind::write && op.a == wanted) || (op.kind == Kind::cas && op.b == wanted)) return true;
    }
    return false;
  }

 private:
  Values values_;
  std::vector<Prepared> ops_;
};

class RegisterModel : public Model {
 public:
  explicit RegisterModel(bool allow_cas) : allow_cas_(allow_cas) {}
  std::string name() const override { return allow_cas_ ? "cas-register" : "register"; }
  std::unique_ptr<ModelInstance> instance(const std::vector<Operation>& ops) const override {
    return std::make_unique<RegisterInstance>(ops, allow_cas_);
  }

 private:
  bool allow_cas_;
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
      p.kind = kind_of(op, true, true);
      p.unknown = op.unknown;
      const std::string key = op.key.value_or("");
      p.key = keys.try_emplace(key, static_cast<uint32_t>(keys.size())).first->second;
      switch (p.kind) {
        case Kind::read: p.out = op.unknown ? 0 : hash(op.output); break;
        case Kind::write: p.a = hash(op.input); break;
        case Kind::append:
          p.a = hash(op.input);
          p.b = power(text(op.input).size());
          break;
        case Kind::cas: {
          const auto* pair = std::get_if<std::vector<Value>>(&op.input.v);
          if (pair == nullptr || pair->size() != 2) {
            throw std::invalid_argument("line " + std::to_string(op.line) + ": cas needs [from to]");
          }
          p.a = hash((*pair)[0]);
          p.b = hash((*pair)[1]);
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

  uint64_t init() override {
    if (width_ <= 1) return 0;
    std::fill(scratch_.begin(), scratch_.end(), 0);
    return intern();
  }

  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    const uint64_t current = width_ <= 1 ? state : tuples_[state * width_ + op.key];
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
      out += (k ? ", " : "") + key_names_[k] + ": " + name_of(tuples_[state * width_ + k]);
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
    return appends && is_prefix(width_ <= 1 ? state : tuples_[state * width_ + read.key], index);
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
  static std::string text(const Value& v) { return v.is_nil() ? std::string() : Values::plain(v); }
  uint64_t hash(const Value& v) {
    const std::string s = text(v);
    uint64_t h = 0;
    for (unsigned char c : s) h = add(mul(h, kBase), c + 1);
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
    strings_[after] = op.kind == Kind::append ? name_text(before) + text(texts_[index]) : text(texts_[index]);
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
      const std::string s = text(outputs_[index]);
      if (prefix_budget_ < s.size()) return true;  // hashes stays empty: unsure from now on
      prefix_budget_ -= s.size();
      hashes.emplace();
      uint64_t p = 0;
      for (unsigned char c : s) hashes->push_back(p = add(mul(p, kBase), c + 1));
      std::sort(hashes->begin(), hashes->end());
    }
    return !hashes || std::binary_search(hashes->begin(), hashes->end(), h);
  }

  uint64_t with(uint64_t state, uint32_t key, uint64_t value) {
    if (width_ <= 1) return value;
    std::copy(tuples_.begin() + static_cast<long>(state * width_), tuples_.begin() + static_cast<long>((state + 1) * width_),
              scratch_.begin());
    scratch_[key] = value;
    return intern();
  }

  // The id of the tuple in scratch_ (open addressing over ids; tuples stored flat).
  uint64_t intern() {
    uint64_t h = 0x84222325cbf29ce4ULL;
    for (uint64_t v : scratch_) h = (h ^ v) * 0x100000001b3ULL;
    if ((count_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(slots_.size() * 2, 1024));
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == kEmpty) {
        slots_[i] = count_;
        tuples_.insert(tuples_.end(), scratch_.begin(), scratch_.end());
        hashes_.push_back(h);
        return count_++;
      }
      const uint64_t id = slots_[i];
      if (hashes_[id] == h && std::equal(scratch_.begin(), scratch_.end(), tuples_.begin() + static_cast<long>(id * width_))) {
        return id;
      }
    }
  }
  void rehash(size_t size) {
    slots_.assign(size, kEmpty);
    for (uint64_t id = 0; id < count_; ++id) {
      for (size_t i = hashes_[id] & (size - 1);; i = (i + 1) & (size - 1)) {
        if (slots_[i] == kEmpty) {
          slots_[i] = id;
          break;
        }
      }
    }
  }

  static constexpr uint64_t kEmpty = ~uint64_t{0};
  std::vector<Prepared> ops_;
  std::vector<Value> texts_;
  std::vector<Value> outputs_;  // what reads returned
  std::unordered_map<size_t, std::optional<std::vector<uint64_t>>> prefixes_;  // hashes of a read's prefixes
  size_t prefix_budget_ = size_t{1} << 23;  // characters (8 bytes each)
  size_t width_ = 0;
  std::vector<std::string> key_names_;
  std::unordered_map<uint64_t, std::string> strings_;
  bool recording_ = false;
  std::vector<uint64_t> scratch_, tuples_, hashes_, slots_;
  uint64_t count_ = 0;
};

class KvModel : public Model {
 public:
  std::string name() const override { return "kv"; }
  std::vector<std::vector<size_t>> partition(const std::vector<Operation>& ops, bool partition) const override {
    if (!partition) return Model::partition(ops, false);
    std::map<std::string, std::vector<size_t>> by_key;
    for (size_t i = 0; i < ops.size(); ++i) by_key[ops[i].key.value_or("")].push_back(i);
    std::vector<std::vector<size_t>> groups;
    for (auto& [key, group] : by_key) groups.push_back(std::move(group));
    return groups;
  }
  std::unique_ptr<ModelInstance> instance(const std::vector<Operation>& ops) const override {
    return std::make_unique<KvInstance>(ops);
  }
  std::string describe(const Operation& op) const override {
    return op.f + (op.key ? " " + *op.key : "") + " " + op.input.to_string() +
           (op.unknown ? " -> ?" : op.f == "get" || op.f == "read" ? " -> " + op.output.to_string() : "");
  }
};

}  // namespace

std::vector<std::vector<size_t>> Model::partition(const std::vector<Operation>& ops, bool) const {
  std::vector<size_t> all(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) all[i] = i;
  return {all};
}

std::string Model::describe(const Operation& op) const {
  std::string text = op.f + " " + op.input.to_string();
  if (op.unknown) return text + " -> ?";
  if (op.f == "read" || op.f == "r" || op.f == "get") return text + " -> " + op.output.to_string();
  return text;
}

std::unique_ptr<Model> make_model(const std::string& name) {
  if (name == "register") return std::make_unique<RegisterModel>(false);
  if (name == "cas-register") return std::make_unique<RegisterModel>(true);
  if (name == "kv") return std::make_unique<KvModel>();
  return nullptr;
}

std::string model_names() { return "register, cas-register, kv"; }

}  // namespace faultline::check
