#include "linearizability.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

#include "check/search.h"

namespace faultline::check {
namespace {

using Clock = std::chrono::steady_clock;

// Steps a partition's search takes before it yields its thread to the next partition: ~1 ms.
constexpr uint64_t kSlice = 1 << 14;
// Minimization: the largest partition it shrinks, and the steps each try may take.
constexpr size_t kMinimizeAtMost = 5000;
constexpr uint64_t kMinimizeBudget = 200000;
// Partitions whose searches take turns at once.
constexpr size_t kInFlight = 64;

// Searches to a verdict, or unknown at the deadline or after `budget` steps.
Verdict run(const std::vector<Operation>& ops, ModelInstance& model, Clock::time_point deadline, uint64_t budget) {
  PartitionSearch search(ops, model);
  for (uint64_t spent = 0; spent < budget && Clock::now() < deadline; spent += kSlice) {
    if (search.advance(kSlice)) break;
  }
  return search.verdict();
}

// What an operation puts in place (a write's value, an append's suffix, a cas's `to`), as text.
std::string written_text(const Operation& op) {
  if (const auto* pair = std::get_if<std::vector<Value>>(&op.input.v); pair && pair->size() == 2) {
    return (*pair)[1].text();
  }
  return op.input.text();
}

// What an operation saw (a read's value, a dequeue's, what a cas compared with), as text; empty
// when it saw nothing.
std::string observed_text(const Operation& op) {
  if (op.unknown) return "";
  if (const auto* pair = std::get_if<std::vector<Value>>(&op.input.v); pair && pair->size() == 2) {
    return (*pair)[0].text();
  }
  return op.output.is_nil() || op.output == op.input ? "" : op.output.text();
}

// Of the operations kept[start, end), those that wrote what one of `rest` observed (on its key,
// before it returned) when nothing left wrote it too, and those that wrote what these observed (a
// cas observes too), and so on.
std::vector<size_t> explainers(const std::vector<Operation>& ops, const std::vector<std::string>& written,
                               const std::vector<std::string>& observed, const std::vector<size_t>& rest,
                               const std::vector<size_t>& kept, size_t start, size_t end) {
  std::map<std::pair<std::optional<std::string>, std::string>, std::vector<size_t>> writers;  // of what is left
  const auto left = [&](size_t i) {
    if (!written[i].empty()) writers[{ops[i].key, written[i]}].push_back(i);
  };
  std::for_each(rest.begin(), rest.end(), left);
  // Whether something left, other than the observer itself, wrote `w` before the observer returned.
  const auto explained = [&](size_t observer, const Operation& writer, const std::string& w) {
    const auto others = writers.find({writer.key, w});
    return others != writers.end() && std::any_of(others->second.begin(), others->second.end(), [&](size_t other) {
             return other != observer && ops[other].call < ops[observer].ret;
           });
  };
  std::vector<size_t> explaining;
  std::vector<size_t> observers = rest;
  std::vector<bool> taken(end - start, false);
  for (size_t checked = 0; checked < observers.size(); ++checked) {
    const size_t observer = observers[checked];
    const std::string& seen = observed[observer];
    if (seen.empty()) continue;
    for (size_t k = start; k < end; ++k) {
      const Operation& writer = ops[kept[k]];
      const std::string& w = written[kept[k]];
      if (taken[k - start] || w.empty() || writer.key != ops[observer].key || ops[observer].ret <= writer.call ||
          seen.find(w) == std::string::npos || explained(observer, writer, w)) {
        continue;
      }
      taken[k - start] = true;
      explaining.push_back(kept[k]);
      observers.push_back(kept[k]);
      left(kept[k]);
    }
  }
  return explaining;
}

// A small set of operations that still cannot be ordered: within the one key that fails alone (if
// the model has keys), drop chunks of operations, halving their size down to single operations
// (delta debugging), and keep each chunk dropped when the rest still fails (within a budget of
// steps per try). An operation that wrote what a remaining one observed (and was called before
// that one returned) stays: a read alone, without the writes of what it saw, explains nothing.
std::vector<size_t> minimize(const std::vector<Operation>& ops, const Model& model, Clock::time_point deadline) {
  std::vector<size_t> kept(ops.size());
  std::iota(kept.begin(), kept.end(), 0);
  const auto still_fails = [&](const std::vector<size_t>& subset) {
    std::vector<Operation> part;
    for (size_t i : subset) part.push_back(ops[i]);
    auto instance = model.instance(part);
    return run(part, *instance, deadline, kMinimizeBudget) == Verdict::not_linearizable;
  };
  // Linearizability is local: when the history was checked whole, one of the model's partitions
  // (a key) fails alone, and says why in fewer operations.
  if (const auto groups = model.partition(ops, true); groups.size() > 1) {
    for (const std::vector<size_t>& group : groups) {
      if (still_fails(group)) {
        kept = group;
        break;
      }
    }
  }
  if (kept.size() > kMinimizeAtMost) return kept;
  std::vector<std::string> written(ops.size()), observed(ops.size());
  for (size_t i : kept) {
    written[i] = written_text(ops[i]);
    observed[i] = observed_text(ops[i]);
  }
  for (size_t chunk = std::max<size_t>(1, kept.size() / 2);; chunk /= 2) {
    for (size_t start = 0; start < kept.size() && Clock::now() < deadline;) {
      const size_t end = std::min(kept.size(), start + chunk);
      std::vector<size_t> rest(kept.begin(), kept.begin() + static_cast<long>(start));
      rest.insert(rest.end(), kept.begin() + static_cast<long>(end), kept.end());
      const std::vector<size_t> explaining = explainers(ops, written, observed, rest, kept, start, end);
      if (explaining.size() == end - start) {
        start = end;
        continue;
      }
      std::vector<size_t> candidate = rest;
      candidate.insert(candidate.end(), explaining.begin(), explaining.end());
      std::sort(candidate.begin(), candidate.end());
      if (still_fails(candidate)) {
        kept = std::move(candidate);
        start += explaining.size();
      } else {
        start = end;
      }
    }
    if (chunk == 1 || Clock::now() >= deadline) break;
  }
  return kept;
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable: return "linearizable";
    case Verdict::not_linearizable: return "not linearizable";
    case Verdict::unknown: return "unknown";
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
  // The largest first: with the smaller ones queued behind, the threads finish together.
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

  // Partitions take turns, a slice of steps each, so that one that is illegal is found soon
  // whatever the others cost. At most kInFlight are under way at once: each holds its memo.
  std::mutex mutex;
  std::deque<size_t> queue(std::min(parts.size(), kInFlight));
  std::iota(queue.begin(), queue.end(), 0);
  size_t next_to_start = queue.size();
  std::vector<std::unique_ptr<PartitionSearch>> searches(parts.size());
  std::atomic<uint64_t> explored{0};
  bool decided = false, timed_out = false;
  std::optional<size_t> failed;
  const auto work = [&] {
    for (;;) {
      size_t g;
      {
        std::lock_guard lock(mutex);
        if (decided || queue.empty()) return;
        if (Clock::now() > deadline) {
          timed_out = true;
          return;
        }
        g = queue.front();
        queue.pop_front();
      }
      if (!searches[g]) searches[g] = std::make_unique<PartitionSearch>(parts[g], *instances[g]);
      const bool done = searches[g]->advance(kSlice);
      std::lock_guard lock(mutex);
      if (!done) {
        queue.push_back(g);
        continue;
      }
      explored += searches[g]->explored();
      if (searches[g]->verdict() == Verdict::not_linearizable && !failed) {
        failed = g;
        decided = true;  // one illegal partition decides the whole history
      } else {
        searches[g].reset();
        if (next_to_start < parts.size()) queue.push_back(next_to_start++);
      }
    }
  };
  const unsigned cores = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = static_cast<unsigned>(std::min<size_t>(cores, parts.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const auto& search : searches) {
    if (search && !(failed && search == searches[*failed])) explored += search->explored();
  }

  result.states_explored = explored;
  if (failed) {
    result.verdict = Verdict::not_linearizable;
    const std::vector<size_t>& group = groups[*failed];
    const PartitionSearch& failure = *searches[*failed];
    for (size_t i : failure.partial()) result.counterexample.partial.push_back(group[i]);
    for (uint64_t s : failure.states()) result.counterexample.states.push_back(instances[*failed]->describe_state(s));
    for (size_t i : failure.blocked()) result.counterexample.blocked.push_back(group[i]);
    if (options.minimize) {
      for (size_t i : minimize(parts[*failed], model, std::min(deadline, Clock::now() + std::chrono::seconds(5)))) {
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
