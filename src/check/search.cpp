#include "search.h"

#include <algorithm>
#include <map>
#include <string>

namespace faultline::check {
namespace {

// How far the search looks ahead, after an operation changed the state, for observations of what
// it changed that can no longer fit: returns of the same footprint, and events in all.
constexpr int kLookaheadReturns = 8;
constexpr int kLookaheadEvents = 1024;

}  // namespace

PartitionSearch::PartitionSearch(const std::vector<Operation>& ops, ModelInstance& model)
    : model_(model), n_(ops.size()) {
  unknown_.resize(n_);
  observes_.resize(n_);
  footprint_.resize(n_);
  key1_.resize(n_);
  key2_.resize(n_);
  for (size_t i = 0; i < n_; ++i) {
    unknown_[i] = ops[i].unknown || ops[i].ret == Operation::kNever;
    observes_[i] = model.observes_only(i);
    footprint_[i] = model.footprint(i);
    key1_[i] = mix(i * 2 + 0x1234567);
    key2_[i] = mix(i * 2 + 0x89abcdef12345ULL);
    known_ += unknown_[i] ? 0 : 1;
  }

  // Events by time; returns of unknown operations come last.
  std::vector<std::pair<uint64_t, int32_t>> order;  // (time, node)
  nodes_.resize(2 * n_ + 1);
  for (size_t i = 0; i < n_; ++i) {
    const int32_t c = static_cast<int32_t>(2 * i), r = c + 1;
    nodes_[c] = {static_cast<int32_t>(i), true, r, -1, -1};
    nodes_[r] = {static_cast<int32_t>(i), false, c, -1, -1};
    order.emplace_back(static_cast<uint64_t>(ops[i].call) * 2, c);
    const uint64_t ret = unknown_[i] ? (uint64_t{1} << 40) + i : static_cast<uint64_t>(ops[i].ret) * 2 + 1;
    order.emplace_back(ret, r);
  }
  std::sort(order.begin(), order.end());
  head_ = static_cast<int32_t>(2 * n_);
  nodes_[head_] = {-1, false, -1, -1, -1};
  int32_t previous = head_;
  for (const auto& [time, node] : order) {
    nodes_[previous].next = node;
    nodes_[node].prev = previous;
    previous = node;
  }

  // Unknown operations with the same operation, key and argument are interchangeable.
  signature_.assign(n_, 0);
  std::map<std::string, uint32_t> ids;
  for (size_t i = 0; i < n_; ++i) {
    if (!unknown_[i]) continue;
    const std::string text = ops[i].f + "\x1f" + ops[i].key.value_or("") + "\x1f" + ops[i].input.to_string();
    signature_[i] = ids.try_emplace(text, static_cast<uint32_t>(ids.size() + 1)).first->second;
  }

  state_ = model.init();
  entry_ = nodes_[head_].next;
}

void PartitionSearch::lift(int32_t c) {
  const Node& call = nodes_[c];
  nodes_[call.prev].next = call.next;
  if (call.next >= 0) nodes_[call.next].prev = call.prev;
  const Node& ret = nodes_[call.match];
  nodes_[ret.prev].next = ret.next;
  if (ret.next >= 0) nodes_[ret.next].prev = ret.prev;
}

void PartitionSearch::unlift(int32_t c) {
  const Node& ret = nodes_[nodes_[c].match];
  nodes_[ret.prev].next = nodes_[c].match;
  if (ret.next >= 0) nodes_[ret.next].prev = nodes_[c].match;
  const Node& call = nodes_[c];
  nodes_[call.prev].next = c;
  if (call.next >= 0) nodes_[call.next].prev = c;
}

// Where the search goes after linearizing `linearized`: to the first event, unless one of the
// next observations of what it changed can no longer fit, whatever free operations come before it.
// Then the configuration is a dead end, and the search goes straight to the first return, to back
// out: lookahead that spares exploring every order of the operations before that observation.
int32_t PartitionSearch::next_entry(size_t linearized) {
  const int32_t start = nodes_[head_].next;
  if (observes_[linearized]) return start;
  const uint32_t changed = footprint_[linearized];
  before_.clear();
  int32_t first_return = -1;
  int returns = 0, walked = 0;
  for (int32_t e = start; e >= 0 && returns < kLookaheadReturns && walked < kLookaheadEvents; e = nodes_[e].next, ++walked) {
    const size_t op = static_cast<size_t>(nodes_[e].op);
    if (!nodes_[e].call && first_return < 0) first_return = e;
    if (footprint_[op] != changed) continue;
    if (nodes_[e].call) {
      before_.push_back(op);
      continue;
    }
    ++returns;
    uint64_t ignored;
    if (observes_[op] && !model_.step(state_, op, &ignored) && !model_.may_fit_after(state_, op, before_)) {
      return first_return;
    }
  }
  return start;
}

// The deepest prefix so far is kept when the search first backs out of it (copying it at every new
// depth would cost O(n^2) on a history that never backtracks).
void PartitionSearch::remember_deepest(int32_t entry) {
  if (stack_.size() != best_) return;
  if (partial_.size() < best_) {
    partial_.clear();
    for (const Frame& f : stack_) partial_.push_back(static_cast<size_t>(nodes_[f.call].op));
    blocked_.clear();
  }
  if (!blocked_.empty()) return;
  for (int32_t e = nodes_[head_].next; e >= 0 && e != entry; e = nodes_[e].next) {
    if (nodes_[e].call && blocked_.size() < 8) blocked_.push_back(static_cast<size_t>(nodes_[e].op));
  }
  const size_t returned = static_cast<size_t>(nodes_[entry].op);
  if (std::find(blocked_.begin(), blocked_.end(), returned) == blocked_.end()) blocked_.push_back(returned);
}

// Undoes forced reads without trying alternatives for them, then the last real choice. False when
// there is none left.
bool PartitionSearch::backtrack() {
  while (!stack_.empty()) {
    const Frame top = stack_.back();
    stack_.pop_back();
    const int32_t op = nodes_[top.call].op;
    set1_ ^= key1_[op];
    set2_ ^= key2_[op];
    linearized_known_ -= unknown_[op] ? 0 : 1;
    state_ = top.state;
    unlift(top.call);
    entry_ = nodes_[top.call].next;
    // Resume the pass after the popped operation: the unknown ones before it were tried.
    tried_in_pass_.clear();
    for (int32_t e = nodes_[head_].next; e >= 0 && e != entry_; e = nodes_[e].next) {
      if (nodes_[e].call && unknown_[nodes_[e].op]) tried_in_pass_.push_back(signature_[nodes_[e].op]);
    }
    if (!top.forced) return true;
  }
  return false;
}

bool PartitionSearch::advance(uint64_t steps) {
  for (uint64_t i = 0; verdict_ == Verdict::unknown && i < steps; ++i) {
    if (linearized_known_ == known_) {
      verdict_ = Verdict::linearizable;
      break;
    }
    const Node& node = nodes_[entry_];
    bool dead_end = false;
    if (node.call && unknown_[node.op]) {
      // Of interchangeable unknown operations, only the first called is tried.
      const uint32_t sig = signature_[node.op];
      if (std::find(tried_in_pass_.begin(), tried_in_pass_.end(), sig) != tried_in_pass_.end()) {
        entry_ = node.next;
        continue;
      }
      tried_in_pass_.push_back(sig);
    }
    if (node.call) {
      const size_t op = static_cast<size_t>(node.op);
      uint64_t next = 0;
      bool fits = model_.step(state_, op, &next);
      // An unknown operation that changes nothing here is as good as one that never took effect,
      // which stays possible anyway: linearizing it cannot help.
      if (fits && unknown_[op] && next == state_) fits = false;
      const bool forced = fits && observes_[op];
      const bool fresh = fits && memo_.insert(set1_ ^ key1_[op], set2_ ^ key2_[op], next);
      // A read that fits now is as good here as anywhere later: with it, this configuration is the
      // one it leads to; if that one was explored already, so is this.
      if (forced && !fresh) dead_end = true;
      if (fresh) {
        stack_.push_back({entry_, state_, forced});
        tried_in_pass_.clear();
        state_ = next;
        set1_ ^= key1_[op];
        set2_ ^= key2_[op];
        linearized_known_ += unknown_[op] ? 0 : 1;
        lift(entry_);
        best_ = std::max(best_, stack_.size());
        entry_ = next_entry(op);
        continue;
      }
      if (!dead_end) {
        entry_ = node.next;
        continue;
      }
    }
    // A return whose call is still in the list: none of the known operations before it fits, then
    // none of the unknown ones: back out.
    if (!dead_end) remember_deepest(entry_);
    if (!backtrack()) {
      verdict_ = Verdict::not_linearizable;
      replay_states();
    }
  }
  if (verdict_ == Verdict::unknown && linearized_known_ == known_) verdict_ = Verdict::linearizable;
  return verdict_ != Verdict::unknown;
}

// The states along the longest partial linearization, replayed.
void PartitionSearch::replay_states() {
  model_.record_descriptions();
  uint64_t s = model_.init();
  for (size_t op : partial_) {
    uint64_t next = s;
    model_.step(s, op, &next);
    s = next;
    states_.push_back(s);
  }
}

}  // namespace faultline::check
