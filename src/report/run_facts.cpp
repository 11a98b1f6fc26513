#include "run_facts.h"

#include <algorithm>

namespace faultline::report {
namespace {

// Failures drawn on a timeline's picture: enough to see where they cluster, bounded for a run
// whose assertion fails on every request.
constexpr size_t kFailuresKeptPerTimeline = 2000;

// Whether an SDK line is an evaluation that fails its property (the spec's table; reachability is
// decided by the kind, never by condition).
bool is_failing_evaluation(const nlohmann::json& assertion) {
  using events::field;
  if (!field<bool>(assertion, "hit")) return false;
  const std::string type = field<std::string>(assertion, "assert_type", "always");
  if (type == "reachability") return !field<bool>(assertion, "must_hit", true);
  return type == "always" && !field<bool>(assertion, "condition");
}

}  // namespace

const TimelineFacts* RunFacts::timeline(int index) const {
  for (const TimelineFacts& t : timelines) {
    if (t.timeline == index) return &t;
  }
  return nullptr;
}

TimelineFacts& RunFactsCollector::timeline(int index, double t) {
  for (TimelineFacts& existing : facts_.timelines) {
    if (existing.timeline == index) {
      existing.end_ms = std::max(existing.end_ms, t);
      return existing;
    }
  }
  TimelineFacts& added = facts_.timelines.emplace_back();
  added.timeline = index;
  added.start_ms = added.end_ms = t;
  return added;
}

void RunFactsCollector::add(const nlohmann::json& event) {
  using events::field;
  ++facts_.events;
  const std::string type = events::type_of(event);
  const double t = events::time_of(event);
  const int index = field<int>(event, "timeline");
  if (type == events::RunFinished::kType) {
    facts_.exit_status = events::read<events::RunFinished>(event).exit_status;
    return;
  }
  if (index <= 0) return;
  TimelineFacts& tl = timeline(index, t);
  if (type == events::TimelineStarted::kType) {
    tl.seed = events::read<events::TimelineStarted>(event).seed;
    tl.start_ms = t;
  } else if (type == events::TimelineFinished::kType) {
    const auto finished = events::read<events::TimelineFinished>(event);
    tl.outcome = finished.outcome;
    tl.ending = finished.ending;
  } else if (type == events::SetupComplete::kType) {
    if (!tl.setup_ms) tl.setup_ms = t;
  } else if (type == events::PhaseEntered::kType) {
    const auto phase = events::read<events::PhaseEntered>(event);
    tl.phases.push_back({phase.phase, phase.ending, t});
  } else if (type == events::ServiceChanged::kType) {
    const auto changed = events::read<events::ServiceChanged>(event);
    if (!tl.services.count(changed.service)) tl.service_order.push_back(changed.service);
    tl.services[changed.service].push_back({t, changed.state, changed.detail});
  } else if (type == events::CommandStarted::kType) {
    CommandRecord record;
    record.timeline = index;
    record.started = events::read<events::CommandStarted>(event);
    record.start_ms = t;
    invocations_[{index, record.started.invocation}] = facts_.commands.size();
    facts_.commands.push_back(std::move(record));
  } else if (type == events::CommandFinished::kType) {
    const auto finished = events::read<events::CommandFinished>(event);
    const auto it = invocations_.find({index, finished.invocation});
    if (it == invocations_.end()) return;
    CommandRecord& record = facts_.commands[it->second];
    record.end_ms = t;
    record.status = finished.status;
    record.timed_out = finished.timed_out;
    record.killed_by_composer = finished.killed_by_composer;
  } else if (type == events::FaultStarted::kType) {
    FaultRecord record;
    record.timeline = index;
    record.started = events::read<events::FaultStarted>(event);
    record.start_ms = t;
    open_faults_[{index, record.started.fault}] = facts_.faults.size();
    facts_.faults.push_back(std::move(record));
  } else if (type == events::FaultEnded::kType) {
    const auto ended = events::read<events::FaultEnded>(event);
    const auto it = open_faults_.find({index, ended.fault});
    if (it == open_faults_.end()) return;
    FaultRecord& record = facts_.faults[it->second];
    record.end_ms = t;
    record.reason = ended.reason;
    record.error = ended.error;
    open_faults_.erase(it);
  } else if (type == events::FaultUnavailable::kType) {
    facts_.fault_unavailable.push_back(events::read<events::FaultUnavailable>(event));
  } else if (type == events::FaultFailed::kType) {
    facts_.fault_failed.emplace_back(t, events::read<events::FaultFailed>(event));
  } else if (type == events::HistoryChecked::kType) {
    tl.history = events::read<events::HistoryChecked>(event);
    facts_.history_operations += tl.history->operations;
  } else if (type == events::SdkInvalid::kType) {
    ++facts_.invalid_sdk_lines;
  } else if (type == events::SdkLine::kType) {
    ++facts_.sdk_lines;
    const auto sdk = events::read<events::SdkLine>(event);
    const nlohmann::json assertion = field<nlohmann::json>(sdk.line, "antithesis_assert");
    if (tl.assertion_failures.size() < kFailuresKeptPerTimeline && is_failing_evaluation(assertion)) {
      tl.assertion_failures.push_back({t, field<std::string>(assertion, "id", field<std::string>(assertion, "message")),
                                       sdk.source.service, sdk.source.invocation});
    }
  }
}

}  // namespace faultline::report
