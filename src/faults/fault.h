// Faults: what can go wrong in an environment, each one real (the kernel drops the packets, the
// process is really stopped), in the platform's vocabulary (spec section 7).
#ifndef FAULTLINE_SRC_FAULTS_FAULT_H_
#define FAULTLINE_SRC_FAULTS_FAULT_H_

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "env/compose.h"

namespace faultline::faults {

using env::Duration;

enum class FaultKind { partition, clog, loss, latency, bandwidth, pause, kill, stop, clock, custom };

// The platform's name of a kind ("partition", ...), and its type: "network", "node" or "clock".
const char* to_string(FaultKind kind);
const char* type_of(FaultKind kind);
std::optional<FaultKind> fault_kind(const std::string& name);
// Every kind, in the order above.
const std::vector<FaultKind>& all_fault_kinds();

// The shape of a partition between the targets.
enum class PartitionShape {
  halves,             // two random halves
  isolated,           // one node alone
  majority_minority,  // a random minority apart from the rest
  bridge,             // two halves, and one node in both that sees everyone
  ring,               // each node sees a majority (its neighbours on a ring), no two the same
};
const char* to_string(PartitionShape shape);

// One fault, decided: its kind, whom it affects and how, and for how long at most.
struct Fault {
  FaultKind kind = FaultKind::partition;
  std::vector<std::string> nodes;  // the services it affects
  Duration duration{0};            // it ends by then, unless healed first

  // partition: who is cut from whom (every pair of groups; in a bridge the bridge node is in
  // `bridge` and no group). clog: the one node, from and to everyone.
  PartitionShape shape = PartitionShape::halves;
  std::vector<std::vector<std::string>> groups;
  std::string bridge;
  bool one_way = false;  // partition, clog: only packets from the first group (or the node) are cut

  int percent = 0;           // loss: between nodes[0] and nodes[1] (or nodes[0] and everyone)
  Duration latency{0};       // latency: added to what nodes[0] sends
  Duration jitter{0};
  uint64_t bits_per_second = 0;  // bandwidth: of what nodes[0] sends
  Duration clock_offset{0};      // clock: the shift of nodes[0]'s clock

  std::string program;  // custom: the fault_<name> program, inside nodes[0]
  std::string custom_name;

  // For the fault record: partition groups, asymmetric, drop rate, latency mean/deviation in ms...
  nlohmann::json details() const;
  // "partition (halves) etcd0 | etcd1, etcd2", for the terminal.
  std::string describe() const;
};

// A fault as JSON and back (to hand it to a running `faultline env up`). Reading throws
// std::invalid_argument for an unknown kind or shape.
nlohmann::json to_json(const Fault& fault);
Fault fault_from_json(const nlohmann::json& j);

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_FAULT_H_
