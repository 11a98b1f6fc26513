#include "linearizability.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

namespace faultline::check {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The memo of (linearized set, state) pairs already explored. A set is kept as two independent
// 64-bit Zobrist hashes (xor of per-operation keys, updated in O(1) as operations are linearized
// and undone), folded with the state into one 128-bit fingerprint: 16 bytes an entry whatever the
// history's length, where a bitset would take n/8, so that the table stays in cache longer. Two
// different pairs are taken for one only if their 128-bit fingerprints collide.
class Memo {
 public:
  Memo() : slots_(1 << 10) {}

  // True when the pair is new (and now remembered).
  bool insert(uint64_t h1, uint64_t h2, uint64_t state) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    // The low bit marks a used slot.
    return place(slots_, {(h1 ^ mix(state)) | 1, h2 ^ mix(state ^ 0x5bd1e9955bd1e995ULL)});
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t a, b;  // a == 0: empty
  };
  bool place(std::vector<Slot>& slots, const Slot& entry) {
    const size_t mask = slots.size() - 1;
    for (size_t i = (entry.a >> 1) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots[i];
      if (slot.a == 0) {
        slot = entry;
        if (&slots == &slots_) ++size_;
        return true;
      }
      if (slot.a == entry.a && slot.b == entry.b) return false;
    }
  }
  void grow() {
    std::vector<Slot> bigger(slots_.size() * 4);
    for (const Slot& s : slots_) {
      if (s.a != 0) place(bigger, s);
    }
    slots_.swap(bigger);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct SearchOutcome {
  Verdict verdict = Verdict::linearizable;
  uint64_t explored = 0;
  std::vector<size_t> partial;  // local indices
  std::vector<uint64_t> states;
  std::vector<size_t> blocked;
};

// Wing & Gong's search over one partition, with Lowe's memo. Operations are events in a doubly
// linked list ordered by time; linearizing an operation lifts its call and return out of the list;
// meeting a return before its call was linearized means backtracking.
SearchOutcome search(const std::vector<Operation>& ops, ModelInstance& model, Clock::time_point deadline,
                     const std::atomic<bool>& stop, uint64_t budget = 0) {
  SearchOutcome out;
  const size_t n = ops.size();
  if (n == 0) return out;
  struct Node {
    int32_t op;
    bool call;
    int32_t match, prev, next;
  };
  // Events by time; returns of unknown operations come last.
  // The search reads only this of each operation: a compact copy stays in cache.
  std::vector<uint8_t> unknown(n);
  for (size_t i = 0; i < n; ++i) unknown[i] = ops[i].unknown || ops[i].ret == Operation::kNever;
  std::vector<std::pair<uint64_t, int32_t>> order;  // (time, node)
  std::vector<Node> nodes(2 * n + 1);
  for (size_t i = 0; i < n; ++i) {
    const int32_t c = static_cast<int32_t>(2 * i), r = c + 1;
    nodes[c] = {static_cast<int32_t>(i), true, r, -1, -1};
    nodes[r] = {static_cast<int32_t>(i), false, c, -1, -1};
    order.emplace_back(static_cast<uint64_t>(ops[i].call) * 2, c);
    const uint64_t ret = unknown[i] ? (uint64_t{1} << 40) + i : static_cast<uint64_t>(ops[i].ret) * 2 + 1;
    order.emplace_back(ret, r);
  }
  std::sort(order.begin(), order.end());
  const int32_t head = static_cast<int32_t>(2 * n);
  nodes[head] = {-1, false, -1, -1, -1};
  int32_t previous = head;
  for (const auto& [time, node] : order) {
    nodes[previous].next = node;
    nodes[node].prev = previous;
    previous = node;
  }
  const auto lift = [&](int32_t c) {
    const Node& call = nodes[c];
    nodes[call.prev].next = call.next;
    if (call.next >= 0) nodes[call.next].prev = call.prev;
    const Node& ret = nodes[call.match];
    nodes[ret.prev].next = ret.next;
    if (ret.next >= 0) nodes[ret.next].prev = ret.prev;
  };
  const auto unlift = [&](int32_t c) {
    const Node& ret = nodes[nodes[c].match];
    nodes[ret.prev].next = nodes[c].match;
    if (ret.next >= 0) nodes[ret.next].prev = nodes[c].match;
    const Node& call = nodes[c];
    nodes[call.prev].next = c;
    if (call.next >= 0) nodes[call.next].prev = c;
  };

  // Unknown operations with the same operation, key and argument are interchangeable.
  std::vector<uint32_t> signature(n, 0);
  {
    std::map<std::string, uint32_t> ids;
    for (size_t i = 0; i < n; ++i) {
      if (!unknown[i]) continue;
      const std::string text = ops[i].f + "\x1f" + ops[i].key.value_or("") + "\x1f" + ops[i].input.to_string();
      signature[i] = ids.try_emplace(text, static_cast<uint32_t>(ids.size() + 1)).first->second;
    }
  }
  std::vector<uint32_t> tried_in_pass;  // signatures already tried in the current pass over unknowns

  std::vector<uint64_t> key1(n), key2(n);
  size_t known = 0;
  for (size_t i = 0; i < n; ++i) {
    key1[i] = mix(i * 2 + 0x1234567);
    key2[i] = mix(i * 2 + 0x89abcdef12345ULL);
    known += unknown[i] ? 0 : 1;
  }
  Memo memo;
  struct Frame {
    int32_t call;
    uint64_t state;
    bool forced;  // a read taken as soon as possible: never tried later instead
  };
  std::vector<Frame> stack;
  uint64_t state = model.init();
  uint64_t h1 = 0, h2 = 0;
  size_t linearized_known = 0;
  size_t best = 0;
  int32_t entry = nodes[head].next;
  uint64_t steps = 0;
  while (linearized_known < known) {
    if ((++steps & 1023) == 0) {
      if (stop.load(std::memory_order_relaxed) || Clock::now() > deadline || (budget && steps > budget)) {
        out.verdict = Verdict::unknown;
        break;
      }
    }
    const Node& node = nodes[entry];
    bool dead_end = false;
    if (node.call && unknown[node.op]) {
      // Of interchangeable unknown operations, only the first called is tried.
      const uint32_t sig = signature[node.op];
      if (std::find(tried_in_pass.begin(), tried_in_pass.end(), sig) != tried_in_pass.end()) {
        entry = node.next;
        continue;
      }
      tried_in_pass.push_back(sig);
    }
    if (node.call) {
      uint64_t next = 0;
      bool fits = model.step(state, static_cast<size_t>(node.op), &next);
      // An unknown operation that changes nothing here is as good as one that never took effect,
      // which stays possible anyway: linearizing it cannot help.
      if (fits && unknown[node.op] && next == state) fits = false;
      const bool forced = fits && model.observes_only(static_cast<size_t>(node.op));
      const bool fresh = fits && memo.insert(h1 ^ key1[node.op], h2 ^ key2[node.op], next);
      // A read that fits now is as good here as anywhere later: with it, this configuration
      // is the one it leads to; if that one was explored already, so is this.
      if (forced && !fresh) dead_end = true;
      if (fresh) {
        stack.push_back({entry, state, forced});
        tried_in_pass.clear();
        state = next;
        h1 ^= key1[node.op];
        h2 ^= key2[node.op];
        linearized_known += unknown[node.op] ? 0 : 1;
        lift(entry);
        best = std::max(best, stack.size());
        entry = nodes[head].next;
        continue;
      }
      if (!dead_end) {
        entry = node.next;
        continue;
      }
    }
    // A return whose call is still in the list: none of the known operations before it fits.
    // Then the unknown ones; then backtrack.
    // The deepest prefix so far is kept when the search first backs out of it (copying it at every
    // new depth would cost O(n^2) on a history that never backtracks).
    if (!dead_end && stack.size() == best && out.partial.size() < best) {
      out.partial.clear();
      for (const Frame& f : stack) out.partial.push_back(static_cast<size_t>(nodes[f.call].op));
      out.blocked.clear();
    }
    if (!dead_end && stack.size() == best && out.blocked.empty()) {
      for (int32_t e = nodes[head].next; e >= 0 && e != entry; e = nodes[e].next) {
        if (nodes[e].call && out.blocked.size() < 8) out.blocked.push_back(static_cast<size_t>(nodes[e].op));
      }
      out.blocked.push_back(static_cast<size_t>(node.op));
    }
    // Undo forced reads without trying alternatives for them, then the last real choice.
    bool undone = false;
    while (!stack.empty() && !undone) {
      const Frame top = stack.back();
      stack.pop_back();
      const int32_t op = nodes[top.call].op;
      h1 ^= key1[op];
      h2 ^= key2[op];
      linearized_known -= unknown[op] ? 0 : 1;
      state = top.state;
      unlift(top.call);
      entry = nodes[top.call].next;
      // Resume the pass after the popped operation: the unknown ones before it were tried.
      tried_in_pass.clear();
      for (int32_t e = nodes[head].next; e >= 0 && e != entry; e = nodes[e].next) {
        if (nodes[e].call && unknown[nodes[e].op]) tried_in_pass.push_back(signature[nodes[e].op]);
      }
      undone = !top.forced;
    }
    if (!undone) {
      out.verdict = Verdict::not_linearizable;
      break;
    }
  }
  out.explored = memo.size();
  if (out.verdict == Verdict::not_linearizable) {
    // The states along the longest partial linearization, replayed.
    model.record_descriptions();
    uint64_t s = model.init();
    for (size_t op : out.partial) {
      uint64_t next = s;
      model.step(s, op, &next);
      s = next;
      out.states.push_back(s);
    }
  }
  return out;
}

// The value an operation puts in place (a write's, a cas's `to`), as text; empty for others.
std::string written_value(const Operation& op) {
  if (const auto* pair = std::get_if<std::vector<Value>>(&op.input.v); pair && pair->size() == 2) {
    return (*pair)[1].to_string();
  }
  return op.input.is_nil() ? "" : op.input.to_string();
}

// A 1-minimal set of operations that still cannot be ordered: drop each operation in turn and
// keep it dropped when the rest still fails (within a budget of steps per try). An operation that
// writes a value some kept operation read stays: a read alone, without the writes of what it saw,
// explains nothing.
std::vector<size_t> minimize(const std::vector<Operation>& ops, const Model& model, Clock::time_point deadline,
                             const std::atomic<bool>& stop) {
  std::vector<size_t> kept(ops.size());
  std::iota(kept.begin(), kept.end(), 0);
  if (ops.size() > 400) return kept;
  const auto explains_a_read = [&](size_t candidate) {
    const std::string value = written_value(ops[kept[candidate]]);
    if (value.empty()) return false;
    for (size_t k : kept) {
      if (!ops[k].unknown && !ops[k].output.is_nil() && ops[k].output.to_string() == value && ops[k].f != ops[kept[candidate]].f) {
        return true;
      }
    }
    return false;
  };
  for (size_t i = 0; i < kept.size() && Clock::now() < deadline;) {
    if (explains_a_read(i)) {
      ++i;
      continue;
    }
    std::vector<Operation> without;
    for (size_t k = 0; k < kept.size(); ++k) {
      if (k != i) without.push_back(ops[kept[k]]);
    }
    auto instance = model.instance(without);
    const SearchOutcome o = search(without, *instance, deadline, stop, 200000);
    if (o.verdict == Verdict::not_linearizable) {
      kept.erase(kept.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  return kept;
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable: return "linearizable";
    case Verdict::not_linearizable: return "NOT linearizable";
    case Verdict::unknown: return "unknown (timed out)";
  }
  return "";
}

CheckResult check_linearizability(const std::vector<Operation>& ops, const Model& model, const CheckOptions& options) {
  const auto start = Clock::now();
  const auto deadline = start + options.timeout;
  CheckResult result;
  result.operations = ops.size();
  std::vector<std::vector<size_t>> groups = model.partition(ops, options.partition);
  result.partitions = groups.size();
  // The largest first, so that the threads finish together.
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  // Instances are prepared up front, on this thread: a model that rejects an operation throws here.
  std::vector<std::vector<Operation>> parts;
  std::vector<std::unique_ptr<ModelInstance>> instances;
  for (const auto& group : groups) {
    std::vector<Operation> part;
    for (size_t i : group) part.push_back(ops[i]);
    instances.push_back(model.instance(part));
    parts.push_back(std::move(part));
  }

  std::atomic<bool> stop{false};
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> explored{0};
  std::mutex mutex;
  bool timed_out = false;
  std::optional<size_t> failed;
  SearchOutcome failure;
  const auto work = [&] {
    for (size_t g; (g = next.fetch_add(1)) < parts.size();) {
      SearchOutcome o = search(parts[g], *instances[g], deadline, stop);
      explored += o.explored;
      std::lock_guard lock(mutex);
      if (o.verdict == Verdict::not_linearizable && !failed) {
        failed = g;
        failure = std::move(o);
        stop = true;  // one illegal partition decides the whole history
      } else if (o.verdict == Verdict::unknown && !stop) {
        timed_out = true;
      }
    }
  };
  const unsigned cores = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = static_cast<unsigned>(std::min<size_t>(cores, parts.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();

  result.states_explored = explored;
  if (failed) {
    result.verdict = Verdict::not_linearizable;
    const std::vector<size_t>& group = groups[*failed];
    for (size_t i : failure.partial) result.counterexample.partial.push_back(group[i]);
    for (uint64_t s : failure.states) result.counterexample.states.push_back(instances[*failed]->describe_state(s));
    for (size_t i : failure.blocked) result.counterexample.blocked.push_back(group[i]);
    if (options.minimize) {
      std::atomic<bool> never{false};
      for (size_t i : minimize(parts[*failed], model, std::min(deadline, Clock::now() + std::chrono::seconds(5)), never)) {
        result.counterexample.minimal.push_back(group[i]);
      }
    }
  } else if (timed_out) {
    result.verdict = Verdict::unknown;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace faultline::check
