// Sets: add an element, read them all (Knossos's set). The state is the id of the interned sorted
// element ids, so that states compare as values.
#include <algorithm>

#include "check/models/common.h"

namespace faultline::check::models {
namespace {

struct Prepared {
  bool read = false;
  uint64_t element = 0;        // what an add adds
  std::vector<uint64_t> seen;  // what a read returned: sorted, without repeats
  bool unknown = false;
};

class SetInstance : public ModelInstance {
 public:
  explicit SetInstance(const std::vector<Operation>& ops) {
    for (const Operation& op : ops) {
      Prepared p;
      p.unknown = op.unknown;
      if (op.f == "add") {
        p.element = values_.id(op.input);
      } else if (is_one_of(op.f, {"read", "r"})) {
        p.read = true;
        if (!op.unknown) p.seen = elements(op);
      } else {
        throw unknown_operation(op);
      }
      ops_.push_back(std::move(p));
    }
  }

  uint64_t init() override { return sets_.intern({}); }

  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    const auto set = sets_.at(state);
    *next = state;
    if (op.read) return op.unknown || std::ranges::equal(set, op.seen);
    const auto at = std::lower_bound(set.begin(), set.end(), op.element);
    if (at == set.end() || *at != op.element) {
      scratch_.assign(set.begin(), at);
      scratch_.push_back(op.element);
      scratch_.insert(scratch_.end(), at, set.end());
      *next = sets_.intern(scratch_);
    }
    return true;
  }

  bool observes_only(size_t op) const override { return ops_[op].read; }

  // Sets only grow: a read fits later only if everything in the set now is in what it read, and
  // each element it read that is missing may still be added before it.
  bool may_fit_after(uint64_t state, size_t index, const std::vector<size_t>& before) override {
    const auto set = sets_.at(state);
    const std::vector<uint64_t>& seen = ops_[index].seen;
    if (!std::includes(seen.begin(), seen.end(), set.begin(), set.end())) return false;
    for (uint64_t element : seen) {
      if (std::binary_search(set.begin(), set.end(), element)) continue;
      if (std::none_of(before.begin(), before.end(),
                       [&](size_t b) { return !ops_[b].read && ops_[b].element == element; })) {
        return false;
      }
    }
    return true;
  }

  std::string describe_state(uint64_t state) const override { return values_.names(sets_.at(state), "#{", "}"); }

 private:
  std::vector<uint64_t> elements(const Operation& op) {
    std::vector<uint64_t> ids;
    if (const auto* items = std::get_if<std::vector<Value>>(&op.output.v)) {
      for (const Value& item : *items) ids.push_back(values_.id(item));
    } else if (!op.output.is_nil()) {
      throw std::invalid_argument("line " + std::to_string(op.line) + ": a set's read returns a collection, not " +
                                  op.output.to_string());
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  Values values_;
  std::vector<Prepared> ops_;
  Sequences sets_;
  std::vector<uint64_t> scratch_;
};

}  // namespace

std::unique_ptr<Model> make_set() { return std::make_unique<KeyedModel<SetInstance>>("set"); }

}  // namespace faultline::check::models
