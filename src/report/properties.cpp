#include "properties.h"

#include <algorithm>

#include "events/schema.h"
#include "report/sdk_line_shape.h"

namespace faultline::report {
namespace {

constexpr size_t kExamplesKept = 3;

}  // namespace

bool Property::passed() const {
  if (assert_type == "always") return fails == 0 && (!must_hit || reached());
  if (assert_type == "sometimes") return passes > 0;
  if (assert_type == "reachability") return must_hit ? reached() : !reached();
  return fails == 0;
}

PropertyEvaluator::Tracked& PropertyEvaluator::track(const std::string& id, const std::string& display_type,
                                                     const std::string& assert_type, bool must_hit, bool builtin) {
  auto [it, inserted] = tracked_.try_emplace(id);
  if (inserted) {
    Property& p = it->second.property;
    p.id = id;
    p.display_type = display_type;
    p.assert_type = assert_type;
    p.must_hit = must_hit;
    p.builtin = builtin;
  }
  return it->second;
}

void PropertyEvaluator::keep(std::vector<Example>& examples, Example example) {
  if (examples.size() < kExamplesKept) examples.push_back(std::move(example));
}

void PropertyEvaluator::add(const nlohmann::json& event) {
  using events::field;
  const std::string type = events::type_of(event);
  const int timeline = field<int>(event, "timeline");
  const double t = events::time_of(event);
  if (type == events::TemplateListed::kType) {
    for (const std::string& name : events::read<events::TemplateListed>(event).commands) {
      track(name + " exits 0 at least once", "Sometimes", "sometimes", true, true);
    }
  } else if (type == events::TimelineStarted::kType) {
    track("setup completes", "Always", "always", true, true);
    setup_seen_[timeline] = false;
  } else if (type == events::SetupComplete::kType) {
    if (!setup_seen_[timeline]) {
      setup_seen_[timeline] = true;
      const auto setup = events::read<events::SetupComplete>(event);
      Tracked& tracked = track("setup completes", "Always", "always", true, true);
      tracked.property.passes++;
      keep(tracked.property.examples, {timeline, t, setup.source.service, 0, "", setup.details});
    }
  } else if (type == events::TimelineFinished::kType) {
    if (!setup_seen_[timeline]) {
      Tracked& tracked = track("setup completes", "Always", "always", true, true);
      tracked.property.fails++;
      keep(tracked.property.counterexamples,
           {timeline, t, "", 0, "", {{"reason", field<std::string>(event, "outcome", "no setup complete")}}});
    }
  } else if (type == events::CommandStarted::kType) {
    const auto started = events::read<events::CommandStarted>(event);
    invocations_[started.invocation] = {started.command, started.service};
    // Fails on a failure only: a command the composer ended is not a failure.
    track(started.command + " exits 0", "AlwaysOrUnreachable", "always", false, true);
  } else if (type == events::CommandFinished::kType) {
    // A command the composer ended (for an eventually_ command, or at the end of the run) is
    // neither a pass nor a failure; one that failed or ran past its timeout fails.
    const auto finished = events::read<events::CommandFinished>(event);
    if (finished.killed_by_composer) return;
    const bool ok = finished.status == 0 && !finished.timed_out;
    Example example{timeline, t, finished.service, finished.invocation, finished.command,
                    {{"status", finished.status}, {"timed_out", finished.timed_out}, {"duration_ms", finished.duration_ms}}};
    if (!finished.error.empty()) example.details["error"] = finished.error;
    Tracked& every = track(finished.command + " exits 0", "AlwaysOrUnreachable", "always", false, true);
    Tracked& once = track(finished.command + " exits 0 at least once", "Sometimes", "sometimes", true, true);
    (ok ? every.property.passes : every.property.fails)++;
    (ok ? once.property.passes : once.property.fails)++;
    keep(ok ? every.property.examples : every.property.counterexamples, example);
    keep(ok ? once.property.examples : once.property.counterexamples, example);
  } else if (type == events::HistoryChecked::kType) {
    // The timeline's operation history, checked against the template's model.
    Tracked& tracked = track("History is linearizable", "Always", "always", true, true);
    const bool ok = field<std::string>(event, "verdict") == "linearizable";
    (ok ? tracked.property.passes : tracked.property.fails)++;
    nlohmann::json details = event;
    for (const char* key : {"t", "type", "timeline", "minimal_ops", "partial_ops", "blocked_ops"}) details.erase(key);
    keep(ok ? tracked.property.examples : tracked.property.counterexamples, {timeline, t, "", 0, "", details});
  } else if (type == events::SdkLine::kType) {
    events::SdkLine sdk = events::read<events::SdkLine>(event);
    std::string problem = sdk_line_problem(sdk.line);
    if (problem.empty()) {
      add_sdk_line(sdk, t);
    } else {
      add_invalid(timeline, sdk.source, std::move(problem),
                  events::kept_text(sdk.line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    }
  } else if (type == events::SdkInvalid::kType) {
    events::SdkInvalid invalid = events::read<events::SdkInvalid>(event);
    add_invalid(timeline, invalid.source, std::move(invalid.problem), std::move(invalid.text));
  }
}

void PropertyEvaluator::add_invalid(int timeline, const events::Source& source, std::string problem, std::string text) {
  const std::string file = "timelines/" + std::to_string(timeline) + "/sdk/" + source.file;
  ++invalid_.count;
  ++invalid_.by_file[file];
  if (invalid_.first.size() < InvalidLines::kFirstKept) {
    invalid_.first.push_back({{file, source.line_number, problem.empty() ? "unreadable" : std::move(problem)}, std::move(text)});
  }
}

void PropertyEvaluator::add_sdk_line(const events::SdkLine& sdk, double t) {
  using events::field;
  const nlohmann::json& line = sdk.line;
  if (const auto assertion = line.find("antithesis_assert"); assertion != line.end()) {
    const nlohmann::json& a = *assertion;
    if (!a.is_object()) return;
    const std::string id = field<std::string>(a, "id", field<std::string>(a, "message"));
    Tracked& tracked = track(id, field<std::string>(a, "display_type", "Always"), field<std::string>(a, "assert_type", "always"),
                             field<bool>(a, "must_hit", true), false);
    Property& p = tracked.property;
    if (!p.location.known()) {
      const nlohmann::json location = field<nlohmann::json>(a, "location");
      p.location = {field<std::string>(location, "file"), field<int64_t>(location, "begin_line"),
                    field<std::string>(location, "function"), field<std::string>(location, "class")};
    }
    // Reachability is decided from hit and the assertion's kind, never from condition alone
    // (one SDK writes condition true for Unreachable).
    if (!field<bool>(a, "hit")) return;
    bool pass = field<bool>(a, "condition");
    if (p.assert_type == "reachability") pass = p.must_hit;
    Source& source = tracked.sources[sdk.source.file];
    (pass ? source.line_passes : source.line_fails)++;
    const int invocation = sdk.source.invocation;
    Example example{sdk.timeline, t, sdk.source.service, invocation, invocation > 0 ? invocations_[invocation].first : "",
                    field<nlohmann::json>(a, "details")};
    keep(pass ? p.examples : p.counterexamples, example);
    recount(tracked);
  } else if (const auto counts = line.find("faultline_counts"); counts != line.end()) {
    const nlohmann::json& c = *counts;
    auto it = tracked_.find(field<std::string>(c, "id"));
    if (it == tracked_.end() || it->second.property.builtin) return;
    it->second.sources[sdk.source.file].counts[field<std::string>(c, "process")] = {field<uint64_t>(c, "passes"),
                                                                                   field<uint64_t>(c, "fails")};
    recount(it->second);
  }
}

void PropertyEvaluator::recount(Tracked& tracked) {
  uint64_t passes = 0, fails = 0;
  for (const auto& [file, source] : tracked.sources) {
    uint64_t counted_passes = 0, counted_fails = 0;
    for (const auto& [process, pf] : source.counts) {
      counted_passes += pf.first;
      counted_fails += pf.second;
    }
    // Counts are exact per process; evaluation lines are lower bounds (first pass, first fail).
    passes += std::max(counted_passes, source.line_passes);
    fails += std::max(counted_fails, source.line_fails);
  }
  Property& p = tracked.property;
  if (p.assert_type == "reachability") {
    // Every evaluation of a reachability assertion is a "reached"; it counts as a pass for
    // Reachable and as a failure for Unreachable.
    const uint64_t reached = passes + fails;
    passes = p.must_hit ? reached : 0;
    fails = p.must_hit ? 0 : reached;
  }
  p.passes = passes;
  p.fails = fails;
}

std::vector<Property> PropertyEvaluator::properties() const {
  std::vector<Property> out;
  for (const auto& [id, t] : tracked_) out.push_back(t.property);
  std::stable_sort(out.begin(), out.end(), [](const Property& a, const Property& b) {
    if (a.passed() != b.passed()) return !a.passed();
    return a.id < b.id;
  });
  return out;
}

int PropertyEvaluator::failing() const {
  int n = 0;
  for (const auto& [id, t] : tracked_) n += t.property.passed() ? 0 : 1;
  return n;
}

}  // namespace faultline::report
