// What happened in a run, besides its properties: timelines and their phases, services' states,
// command invocations, faults, assertion failures and counts, gathered from the event log alone
// so that a report can be rebuilt from the run directory.
#ifndef FAULTLINE_SRC_REPORT_RUN_FACTS_H_
#define FAULTLINE_SRC_REPORT_RUN_FACTS_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "events/schema.h"

namespace faultline::report {

struct FaultRecord {
  int timeline = 0;
  events::FaultStarted started;
  double start_ms = 0;
  std::optional<double> end_ms;  // empty: never ended (a run killed mid-fault)
  std::string reason;
  std::string error;
};

struct CommandRecord {
  int timeline = 0;
  events::CommandStarted started;
  double start_ms = 0;
  std::optional<double> end_ms;
  std::optional<int> status;  // empty: never finished
  bool timed_out = false;
  bool killed_by_composer = false;
};

struct ServiceState {
  double t_ms = 0;
  std::string state;
  std::string detail;
};

struct PhaseRecord {
  std::string phase;
  std::string ending;
  double t_ms = 0;
};

struct AssertionFailure {
  double t_ms = 0;
  std::string property;
  std::string service;
  int invocation = 0;
};

struct TimelineFacts {
  int timeline = 0;
  std::string seed;
  std::string outcome;  // "" when the timeline never finished
  std::string ending;
  double start_ms = 0;
  double end_ms = 0;               // its last event, when it never finished
  std::optional<double> setup_ms;  // when setup completed
  std::vector<PhaseRecord> phases;
  std::vector<std::string> service_order;                    // as they first appeared
  std::map<std::string, std::vector<ServiceState>> services;
  std::vector<AssertionFailure> assertion_failures;
  std::optional<events::HistoryChecked> history;
};

struct RunFacts {
  std::vector<TimelineFacts> timelines;
  std::vector<CommandRecord> commands;
  std::vector<FaultRecord> faults;
  std::vector<events::FaultUnavailable> fault_unavailable;
  std::vector<std::pair<double, events::FaultFailed>> fault_failed;
  uint64_t sdk_lines = 0;
  uint64_t invalid_sdk_lines = 0;
  uint64_t history_operations = 0;
  uint64_t events = 0;
  std::optional<int> exit_status;  // from run_finished

  // The timeline with this number, if it has appeared.
  const TimelineFacts* timeline(int index) const;
};

// Gathers RunFacts from events given in log order (any JSON, whatever its shape).
class RunFactsCollector {
 public:
  void add(const nlohmann::json& event);
  RunFacts facts() const { return facts_; }

 private:
  TimelineFacts& timeline(int index, double t);

  RunFacts facts_;
  std::map<std::pair<int, int>, size_t> open_faults_;    // (timeline, fault) -> index in faults
  std::map<std::pair<int, int>, size_t> invocations_;    // (timeline, invocation) -> index in commands
};

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_RUN_FACTS_H_
