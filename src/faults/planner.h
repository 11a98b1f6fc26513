// The fault schedule of a timeline: a seeded random process that draws when the next fault starts,
// its kind, its targets, its parameters and its duration. The same seed gives the same schedule.
#ifndef FAULTLINE_SRC_FAULTS_PLANNER_H_
#define FAULTLINE_SRC_FAULTS_PLANNER_H_

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "faults/config.h"
#include "faults/fault.h"

namespace faultline::faults {

// A template's own fault program (`fault_<name>`, as Antithesis' custom fault scripts), in the
// service that holds it.
struct CustomFault {
  std::string name;     // the file name
  std::string service;
  std::string path;     // inside the service
};

class FaultPlanner {
 public:
  // `targets`: the services faults go into; `services`: every service of the environment (a clog
  // or a node's loss cuts it from all of them).
  FaultPlanner(uint64_t seed, FaultConfig config, std::vector<std::string> targets, std::vector<std::string> services,
               std::vector<CustomFault> custom);

  // The time until the next fault starts (exponential, of mean 60 s / rate).
  Duration next_gap();

  // The next fault, among the targets not `down` (not running now), never one that conflicts with
  // `active` (one node fault, one latency and one bandwidth limit per node at a time) nor of a kind
  // in `unavailable`; nullopt when no enabled kind can be drawn.
  std::optional<Fault> next_fault(const std::vector<Fault>& active, const std::set<FaultKind>& unavailable,
                                  const std::set<std::string>& down = {});

  // Whether any fault can ever be drawn (enabled kinds that the targets allow).
  bool can_inject();

  // The targets whose clock a clock fault can shift (a Go program's cannot be); until this is
  // called, every target's.
  void set_clock_targets(std::set<std::string> targets) { clock_targets_ = std::move(targets); }

 private:
  // The kinds that can be drawn now.
  std::vector<FaultKind> candidates(const std::vector<Fault>& active, const std::set<FaultKind>& unavailable) const;
  bool possible(FaultKind kind, const std::vector<Fault>& active) const;
  std::vector<std::string> free_targets(FaultKind kind, const std::vector<Fault>& active) const;
  size_t below(size_t n);
  int64_t between(int64_t low, int64_t high);
  void draw_partition(Fault& fault);

  std::mt19937_64 rng_;
  FaultConfig config_;
  std::vector<std::string> targets_, services_;
  std::vector<std::string> live_;  // the targets that run, while a fault is drawn
  std::optional<std::set<std::string>> clock_targets_;
  std::vector<CustomFault> custom_;
};

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_PLANNER_H_
