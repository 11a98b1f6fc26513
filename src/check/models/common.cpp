#include "check/models/common.h"

#include <algorithm>
#include <map>

namespace faultline::check::models {

uint64_t Values::id(const Value& v) { return v.is_nil() ? 0 : id(v.text()); }

uint64_t Values::id(const std::string& text) {
  auto [it, inserted] = ids_.try_emplace(text, names_.size() + 1);
  if (inserted) names_.push_back(text);
  return it->second;
}

const std::string& Values::name(uint64_t id) const {
  static const std::string nil = "nil";
  return id == 0 ? nil : names_[id - 1];
}

std::string Values::names(std::span<const uint64_t> ids, const char* open, const char* close) const {
  std::string out = open;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + name(ids[i]);
  return out + close;
}

namespace {
constexpr uint64_t kEmpty = ~uint64_t{0};

uint64_t hash_of(std::span<const uint64_t> values) {
  uint64_t h = 0x84222325cbf29ce4ULL ^ values.size();
  for (uint64_t v : values) h = (h ^ v) * 0x100000001b3ULL;
  return h ^ (h >> 29);
}
}  // namespace

// Open addressing over ids; the sequences stored one after another.
uint64_t Sequences::intern(std::span<const uint64_t> values) {
  const uint64_t h = hash_of(values);
  const uint64_t count = hashes_.size();
  if ((count + 1) * 2 > slots_.size()) rehash(std::max<size_t>(slots_.size() * 2, 1024));
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == kEmpty) {
      slots_[i] = count;
      flat_.insert(flat_.end(), values.begin(), values.end());
      starts_.push_back(flat_.size());
      hashes_.push_back(h);
      return count;
    }
    const uint64_t id = slots_[i];
    if (hashes_[id] == h && std::ranges::equal(at(id), values)) return id;
  }
}

void Sequences::rehash(size_t size) {
  slots_.assign(size, kEmpty);
  for (uint64_t id = 0; id < hashes_.size(); ++id) {
    for (size_t i = hashes_[id] & (size - 1);; i = (i + 1) & (size - 1)) {
      if (slots_[i] == kEmpty) {
        slots_[i] = id;
        break;
      }
    }
  }
}

bool is_one_of(const std::string& f, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* name) { return f == name; });
}

std::invalid_argument unknown_operation(const Operation& op) {
  return std::invalid_argument("line " + std::to_string(op.line) + ": the model has no operation \"" + op.f + "\"");
}

std::pair<const Value&, const Value&> from_to(const Operation& op) {
  const auto* pair = std::get_if<std::vector<Value>>(&op.input.v);
  if (pair == nullptr || pair->size() != 2) {
    throw std::invalid_argument("line " + std::to_string(op.line) + ": " + op.f + " needs [from to]");
  }
  return {(*pair)[0], (*pair)[1]};
}

std::vector<std::vector<size_t>> partition_by_key(const std::vector<Operation>& ops, bool partition) {
  if (!partition) {
    std::vector<size_t> all(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) all[i] = i;
    return {all};
  }
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < ops.size(); ++i) by_key[ops[i].key.value_or("")].push_back(i);
  std::vector<std::vector<size_t>> groups;
  for (auto& [key, group] : by_key) groups.push_back(std::move(group));
  return groups;
}

}  // namespace faultline::check::models
