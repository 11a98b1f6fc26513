#include "planner.h"

#include <algorithm>
#include <cmath>

namespace faultline::faults {
namespace {

// A node is busy for another fault of the same class while one is in force on it.
enum class Slot { none, node, latency, bandwidth };

Slot slot_of(FaultKind kind) {
  switch (kind) {
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::stop:
    case FaultKind::clock:
    case FaultKind::custom: return Slot::node;
    case FaultKind::latency: return Slot::latency;
    case FaultKind::bandwidth: return Slot::bandwidth;
    default: return Slot::none;
  }
}

constexpr int64_t kMinGapMs = 200, kMaxGapMs = 10 * 60 * 1000;

// How often a kind is drawn, relative to the others: the faults that make requests fail (a node cut
// off or frozen) come most, as in Jepsen's nemeses; a slow or thin link less.
int weight(FaultKind kind) {
  switch (kind) {
    case FaultKind::partition: return 3;
    case FaultKind::clog:
    case FaultKind::loss:
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::custom: return 2;
    case FaultKind::latency:
    case FaultKind::bandwidth:
    case FaultKind::stop:
    case FaultKind::clock: return 1;
  }
  return 1;
}

}  // namespace

FaultPlanner::FaultPlanner(uint64_t seed, FaultConfig config, std::vector<std::string> targets,
                           std::vector<std::string> services, std::vector<CustomFault> custom)
    : rng_(seed), config_(std::move(config)), targets_(std::move(targets)), services_(std::move(services)),
      custom_(std::move(custom)) {}

size_t FaultPlanner::below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

int64_t FaultPlanner::between(int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, std::max(low, high))(rng_);
}

Duration FaultPlanner::next_gap() {
  if (config_.rate_per_minute <= 0) return Duration(kMaxGapMs);
  const double mean_ms = 60000.0 / config_.rate_per_minute;
  const double ms = std::exponential_distribution<double>(1.0 / mean_ms)(rng_);
  return Duration(std::clamp<int64_t>(static_cast<int64_t>(ms), kMinGapMs, kMaxGapMs));
}

std::vector<std::string> FaultPlanner::free_targets(FaultKind kind, const std::vector<Fault>& active) const {
  const Slot slot = slot_of(kind);
  std::vector<std::string> free;
  for (const std::string& target : live_) {
    if (kind == FaultKind::clock && clock_targets_ && !clock_targets_->count(target)) continue;
    const bool busy = slot != Slot::none && std::any_of(active.begin(), active.end(), [&](const Fault& f) {
                        return slot_of(f.kind) == slot &&
                               std::find(f.nodes.begin(), f.nodes.end(), target) != f.nodes.end();
                      });
    if (!busy) free.push_back(target);
  }
  return free;
}

bool FaultPlanner::possible(FaultKind kind, const std::vector<Fault>& active) const {
  switch (kind) {
    case FaultKind::partition: return live_.size() >= 2;
    case FaultKind::clog:
    case FaultKind::loss: return !live_.empty() && services_.size() >= 2;
    case FaultKind::custom:
      return std::any_of(custom_.begin(), custom_.end(), [&](const CustomFault& c) {
        const auto free = free_targets(kind, active);
        return std::find(free.begin(), free.end(), c.service) != free.end() ||
               std::find(targets_.begin(), targets_.end(), c.service) == targets_.end();
      });
    default: return !free_targets(kind, active).empty();
  }
}

std::vector<FaultKind> FaultPlanner::candidates(const std::vector<Fault>& active,
                                                const std::set<FaultKind>& unavailable) const {
  std::vector<FaultKind> kinds;
  for (FaultKind kind : config_.kinds) {
    if (!unavailable.count(kind) && possible(kind, active)) kinds.push_back(kind);
  }
  return kinds;
}

bool FaultPlanner::can_inject() {
  live_ = targets_;
  return !candidates({}, {}).empty();
}

void FaultPlanner::draw_partition(Fault& fault) {
  std::vector<std::string> nodes = live_;
  std::shuffle(nodes.begin(), nodes.end(), rng_);
  const size_t n = nodes.size();
  std::vector<PartitionShape> shapes = {PartitionShape::halves, PartitionShape::isolated};
  if (n >= 3) shapes.insert(shapes.end(), {PartitionShape::majority_minority, PartitionShape::bridge});
  if (n >= 4) shapes.push_back(PartitionShape::ring);
  fault.shape = shapes[below(shapes.size())];
  const auto split = [&](size_t first_size) {
    fault.groups = {{nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(first_size)},
                    {nodes.begin() + static_cast<std::ptrdiff_t>(first_size), nodes.end()}};
  };
  switch (fault.shape) {
    case PartitionShape::halves: split(n / 2); break;
    case PartitionShape::isolated: split(1); break;
    case PartitionShape::majority_minority: split(1 + below((n - 1) / 2)); break;
    case PartitionShape::bridge: {
      // The last node bridges two halves of the others: it is in both groups.
      fault.bridge = nodes.back();
      nodes.pop_back();
      split((nodes.size() + 1) / 2);
      for (auto& group : fault.groups) group.push_back(fault.bridge);
      break;
    }
    case PartitionShape::ring: {
      // Each node sees the nodes within `reach` of it on the ring: a majority, and a different one
      // for every node.
      const size_t majority = n / 2 + 1;
      const size_t reach = majority / 2;
      fault.groups.clear();
      for (size_t i = 0; i < n; ++i) {
        std::vector<std::string> seen = {nodes[i]};  // its own view: the node first
        for (size_t k = 0; k < n; ++k) {
          const size_t distance = std::min((k + n - i) % n, (i + n - k) % n);
          if (k != i && distance <= reach) seen.push_back(nodes[k]);
        }
        fault.groups.push_back(seen);
      }
      break;
    }
  }
  fault.nodes = live_;
  fault.one_way = below(4) == 0;
}

std::optional<Fault> FaultPlanner::next_fault(const std::vector<Fault>& active, const std::set<FaultKind>& unavailable,
                                              const std::set<std::string>& down) {
  live_.clear();
  for (const std::string& t : targets_) {
    if (!down.count(t)) live_.push_back(t);
  }
  const std::vector<FaultKind> kinds = candidates(active, unavailable);
  if (kinds.empty()) return std::nullopt;
  Fault fault;
  int total = 0;
  for (FaultKind kind : kinds) total += weight(kind);
  int pick = static_cast<int>(below(static_cast<size_t>(total)));
  for (FaultKind kind : kinds) {
    pick -= weight(kind);
    if (pick < 0) {
      fault.kind = kind;
      break;
    }
  }
  fault.duration = Duration(between(config_.min_duration.count(), config_.max_duration.count()));
  const std::vector<std::string> free = free_targets(fault.kind, active);
  const auto one_free = [&] { return free[below(free.size())]; };
  switch (fault.kind) {
    case FaultKind::partition: draw_partition(fault); break;
    case FaultKind::clog:
      fault.nodes = {one_free()};
      fault.one_way = below(4) == 0;
      break;
    case FaultKind::loss: {
      fault.nodes = {one_free()};
      fault.percent = static_cast<int>(between(10, 50));
      // Between a pair of services half of the time, else between the node and everyone.
      std::vector<std::string> others;
      for (const std::string& s : services_) {
        if (s != fault.nodes[0]) others.push_back(s);
      }
      if (below(2) == 0 && !others.empty()) fault.nodes.push_back(others[below(others.size())]);
      break;
    }
    case FaultKind::latency:
      fault.nodes = {one_free()};
      fault.latency = Duration(between(50, 300));
      fault.jitter = Duration(between(0, fault.latency.count() / 2));
      break;
    case FaultKind::bandwidth: {
      static constexpr uint64_t kRates[] = {128000, 256000, 512000, 1000000};
      fault.nodes = {one_free()};
      fault.bits_per_second = kRates[below(std::size(kRates))];
      break;
    }
    case FaultKind::clock: {
      fault.nodes = {one_free()};
      const int64_t seconds = between(1, 300);
      fault.clock_offset = Duration((below(2) == 0 ? -seconds : seconds) * 1000);
      break;
    }
    case FaultKind::custom: {
      std::vector<const CustomFault*> usable;
      for (const CustomFault& c : custom_) {
        const bool is_target = std::find(targets_.begin(), targets_.end(), c.service) != targets_.end();
        if (!is_target || std::find(free.begin(), free.end(), c.service) != free.end()) usable.push_back(&c);
      }
      const CustomFault& chosen = *usable[below(usable.size())];
      fault.nodes = {chosen.service};
      fault.program = chosen.path;
      fault.custom_name = chosen.name;
      break;
    }
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::stop: fault.nodes = {one_free()}; break;
  }
  return fault;
}

}  // namespace faultline::faults
