#include "properties.h"

#include <algorithm>

#include "events/event_log.h"

namespace faultline::report {
namespace {

constexpr size_t kExamplesKept = 3;

nlohmann::json to_json(const Example& e) {
  nlohmann::json j = {{"timeline", e.timeline}, {"t_ms", e.t}, {"service", e.service}, {"details", e.details}};
  if (e.invocation > 0) {
    j["invocation"] = e.invocation;
    j["command"] = e.command;
  }
  return j;
}

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
  const std::string type = event.value("type", "");
  const int timeline = event.value("timeline", 0);
  if (type == "template") {
    for (const nlohmann::json& command : event.value("commands", nlohmann::json::array())) {
      const std::string name = command.get<std::string>();
      track(name + " exits 0 at least once", "Sometimes", "sometimes", true, true);
    }
  } else if (type == "timeline_started") {
    track("setup completes", "Always", "always", true, true);
    setup_seen_[timeline] = false;
  } else if (type == "setup_complete") {
    if (!setup_seen_[timeline]) {
      setup_seen_[timeline] = true;
      Tracked& t = track("setup completes", "Always", "always", true, true);
      t.property.passes++;
      keep(t.property.examples, {timeline, event.value("t", 0.0), event.value("service", ""), 0, "", event.value("details", nlohmann::json())});
    }
  } else if (type == "timeline_finished") {
    if (!setup_seen_[timeline]) {
      Tracked& t = track("setup completes", "Always", "always", true, true);
      t.property.fails++;
      keep(t.property.counterexamples,
           {timeline, event.value("t", 0.0), "", 0, "", {{"reason", event.value("outcome", "no setup complete")}}});
    }
  } else if (type == "command_started") {
    const std::string command = event.value("command", "");
    invocations_[event.value("invocation", 0)] = {command, event.value("service", "")};
    // Fails on a failure only: a command the composer ended is not a failure.
    track(command + " exits 0", "AlwaysOrUnreachable", "always", false, true);
  } else if (type == "command_finished") {
    // A command the composer ended (for an eventually_ command, or at the end of the run) is
    // neither a pass nor a failure; one that failed or ran past its timeout fails.
    if (event.value("killed_by_composer", false)) return;
    const std::string command = event.value("command", "");
    const int status = event.value("status", -1);
    const bool timed_out = event.value("timed_out", false);
    const bool ok = status == 0 && !timed_out;
    Example example{timeline, event.value("t", 0.0), event.value("service", ""), event.value("invocation", 0), command,
                    {{"status", status}, {"timed_out", timed_out}, {"duration_ms", event.value("duration_ms", 0.0)}}};
    Tracked& every = track(command + " exits 0", "AlwaysOrUnreachable", "always", false, true);
    Tracked& once = track(command + " exits 0 at least once", "Sometimes", "sometimes", true, true);
    (ok ? every.property.passes : every.property.fails)++;
    (ok ? once.property.passes : once.property.fails)++;
    keep(ok ? every.property.examples : every.property.counterexamples, example);
    keep(ok ? once.property.examples : once.property.counterexamples, example);
  } else if (type == "history_checked") {
    // The timeline's operation history, checked against the template's model.
    Tracked& t = track("History is linearizable", "Always", "always", true, true);
    const bool ok = event.value("verdict", "") == "linearizable";
    (ok ? t.property.passes : t.property.fails)++;
    nlohmann::json details = event;
    for (const char* key : {"t", "type", "timeline"}) details.erase(key);
    keep(ok ? t.property.examples : t.property.counterexamples, {timeline, event.value("t", 0.0), "", 0, "", details});
  } else if (type == "sdk") {
    add_sdk_line(event);
  } else if (type == "sdk_invalid") {
    ++invalid_sdk_lines_;
  }
}

void PropertyEvaluator::add_sdk_line(const nlohmann::json& event) {
  const nlohmann::json& line = event.value("line", nlohmann::json::object());
  const std::string file = event.value("file", "");
  const int invocation = event.value("invocation", 0);
  if (line.contains("antithesis_assert")) {
    const nlohmann::json& a = line["antithesis_assert"];
    if (!a.is_object()) return;
    const std::string id = a.value("id", a.value("message", ""));
    Tracked& t = track(id, a.value("display_type", "Always"), a.value("assert_type", "always"), a.value("must_hit", true), false);
    if (t.property.location.empty() && a.contains("location") && a["location"].is_object()) {
      const nlohmann::json& loc = a["location"];
      t.property.location = loc.value("file", "") + ":" + std::to_string(loc.value("begin_line", 0));
    }
    // Reachability is decided from hit and the assertion's kind, never from condition alone
    // (one SDK writes condition true for Unreachable).
    if (!a.value("hit", false)) return;
    bool pass = a.value("condition", false);
    if (t.property.assert_type == "reachability") pass = t.property.must_hit;
    Source& source = t.sources[file];
    (pass ? source.line_passes : source.line_fails)++;
    Example example{event.value("timeline", 0), event.value("t", 0.0), event.value("service", ""), invocation,
                    invocation > 0 ? invocations_[invocation].first : "", a.value("details", nlohmann::json())};
    keep(pass ? t.property.examples : t.property.counterexamples, example);
  } else if (line.contains("faultline_counts")) {
    const nlohmann::json& c = line["faultline_counts"];
    if (!c.is_object()) return;
    auto it = tracked_.find(c.value("id", ""));
    if (it == tracked_.end()) return;
    it->second.sources[file].counts[c.value("process", "")] = {c.value("passes", uint64_t{0}), c.value("fails", uint64_t{0})};
  } else {
    return;
  }
  // Recompute the totals of the property this line touched.
  for (auto& [id, t] : tracked_) {
    if (t.property.builtin) continue;
    uint64_t passes = 0, fails = 0;
    for (const auto& [f, source] : t.sources) {
      uint64_t counted_passes = 0, counted_fails = 0;
      for (const auto& [process, pf] : source.counts) {
        counted_passes += pf.first;
        counted_fails += pf.second;
      }
      // Counts are exact per process; evaluation lines are lower bounds (first pass, first fail).
      passes += std::max(counted_passes, source.line_passes);
      fails += std::max(counted_fails, source.line_fails);
    }
    if (t.property.assert_type == "reachability") {
      // Every evaluation of a reachability assertion is a "reached"; it counts as a pass for
      // Reachable and as a failure for Unreachable.
      const uint64_t reached = passes + fails;
      passes = t.property.must_hit ? reached : 0;
      fails = t.property.must_hit ? 0 : reached;
    }
    t.property.passes = passes;
    t.property.fails = fails;
  }
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

std::vector<Property> evaluate_run(const std::string& run_directory) {
  PropertyEvaluator evaluator;
  for (const nlohmann::json& event : events::read_events(run_directory + "/events.jsonl")) evaluator.add(event);
  return evaluator.properties();
}

nlohmann::json report_json(const std::vector<Property>& properties, const nlohmann::json& run_info) {
  nlohmann::json list = nlohmann::json::array();
  int failing = 0;
  for (const Property& p : properties) {
    nlohmann::json examples = nlohmann::json::array(), counterexamples = nlohmann::json::array();
    for (const Example& e : p.examples) examples.push_back(to_json(e));
    for (const Example& e : p.counterexamples) counterexamples.push_back(to_json(e));
    failing += p.passed() ? 0 : 1;
    list.push_back({{"name", p.id},
                    {"type", p.display_type},
                    {"assert_type", p.assert_type},
                    {"must_hit", p.must_hit},
                    {"builtin", p.builtin},
                    {"status", p.passed() ? "passed" : "failed"},
                    {"passes", p.passes},
                    {"fails", p.fails},
                    {"location", p.location},
                    {"examples", examples},
                    {"counterexamples", counterexamples}});
  }
  return {{"run", run_info}, {"summary", {{"properties", properties.size()}, {"failing", failing}}}, {"properties", list}};
}

}  // namespace faultline::report
