#include "network.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace faultline::faults {
namespace {

bool in(const std::vector<std::string>& group, const std::string& name) {
  return std::find(group.begin(), group.end(), name) != group.end();
}

// Whether a partition lets `a` reach `b`. Groups may overlap: a bridge's node is in both halves, and
// two nodes reach each other when some group holds both. A ring's groups are views instead, one
// per node (the node first): a node reaches only the nodes of its view.
bool reaches(const Fault& fault, const std::string& a, const std::string& b) {
  if (fault.shape == PartitionShape::ring) {
    return std::any_of(fault.groups.begin(), fault.groups.end(),
                       [&](const auto& view) { return !view.empty() && view.front() == a && in(view, b); });
  }
  return std::any_of(fault.groups.begin(), fault.groups.end(), [&](const auto& group) { return in(group, a) && in(group, b); });
}

// One way: only what the first group's nodes send to nodes they cannot reach is cut.
void add_partition(const Fault& fault, env::NetworkConditions& conditions) {
  std::set<std::string> nodes;
  for (const auto& group : fault.groups) nodes.insert(group.begin(), group.end());
  for (const std::string& a : nodes) {
    for (const std::string& b : nodes) {
      if (a == b || reaches(fault, a, b)) continue;
      if (fault.one_way && !in(fault.groups.front(), a)) continue;
      conditions.cuts.push_back({{a}, {b}});
    }
  }
}

// Overlapping loss faults on one pair drop as both would: a packet gets through only if neither drops
// it. (The backend takes one loss per direction of a pair.)
void merge_losses(env::NetworkConditions& conditions) {
  std::map<std::pair<std::string, std::string>, double> kept;  // the chance a packet gets through
  for (const auto& loss : conditions.losses) {
    auto [it, inserted] = kept.try_emplace({loss.from, loss.to}, 1.0);
    it->second *= 1.0 - loss.percent / 100.0;
  }
  conditions.losses.clear();
  for (const auto& [pair, through] : kept) {
    conditions.losses.push_back({pair.first, pair.second, static_cast<int>(std::lround((1.0 - through) * 100))});
  }
}

}  // namespace

env::NetworkConditions network_conditions(const std::vector<Fault>& faults, const std::vector<std::string>& services) {
  env::NetworkConditions conditions;
  for (const Fault& fault : faults) {
    if (fault.nodes.empty()) continue;
    const std::string& node = fault.nodes.front();
    std::vector<std::string> others;
    for (const std::string& s : services) {
      if (s != node) others.push_back(s);
    }
    switch (fault.kind) {
      case FaultKind::partition: add_partition(fault, conditions); break;
      case FaultKind::clog:
        if (others.empty()) break;
        conditions.cuts.push_back({{node}, others});
        if (!fault.one_way) conditions.cuts.push_back({others, {node}});
        break;
      case FaultKind::loss: {
        const std::vector<std::string> peers = fault.nodes.size() == 2 ? std::vector<std::string>{fault.nodes[1]} : others;
        for (const std::string& peer : peers) {
          conditions.losses.push_back({node, peer, fault.percent});
          conditions.losses.push_back({peer, node, fault.percent});
        }
        break;
      }
      case FaultKind::latency: conditions.delays.push_back({node, fault.latency, fault.jitter}); break;
      case FaultKind::bandwidth: conditions.bandwidths.push_back({node, fault.bits_per_second}); break;
      default: break;
    }
  }
  merge_losses(conditions);
  return conditions;
}

}  // namespace faultline::faults
