#include "report.h"

#include <fstream>

#include "events/event_log.h"

namespace faultline::report {
namespace {

nlohmann::json to_json(const Example& e) {
  nlohmann::json j = {{"timeline", e.timeline}, {"t_ms", e.t}, {"service", e.service}, {"details", e.details}};
  if (e.invocation > 0) {
    j["invocation"] = e.invocation;
    j["command"] = e.command;
  }
  return j;
}

nlohmann::json to_json(const events::LineProblem& p) {
  return {{"file", p.file}, {"line", p.line}, {"problem", p.problem}};
}

nlohmann::json to_json(const InvalidLines& invalid) {
  nlohmann::json first = nlohmann::json::array();
  for (const InvalidLine& line : invalid.first) {
    nlohmann::json j = to_json(line.where);
    j["text"] = line.text;
    first.push_back(std::move(j));
  }
  return {{"count", invalid.count}, {"by_file", invalid.by_file}, {"first", first}};
}

}  // namespace

nlohmann::json report_json(const Report& report, const nlohmann::json& run_info) {
  const std::vector<Property>& properties = report.properties;
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
  nlohmann::json unreadable = nlohmann::json::array();
  for (const events::LineProblem& p : report.unreadable_events) unreadable.push_back(to_json(p));
  return {{"run", run_info},
          {"summary", {{"properties", properties.size()}, {"failing", failing}, {"invalid_sdk_lines", report.invalid_sdk_lines.count}}},
          {"properties", list},
          {"invalid_sdk_lines", to_json(report.invalid_sdk_lines)},
          {"unreadable_events", unreadable}};
}

Report write_report(const events::RunDirectory& directory) {
  Report report;
  PropertyEvaluator evaluator;
  for (const nlohmann::json& event : events::read_events(directory.events(), &report.unreadable_events)) evaluator.add(event);
  report.properties = evaluator.properties();
  report.invalid_sdk_lines = evaluator.invalid_sdk_lines();
  // run.json is the run's own record; a damaged one leaves the report without it, not unwritten.
  std::ifstream in(directory.run_json());
  nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded() || !info.is_object()) info = nlohmann::json::object();
  std::ofstream(directory.report_json()) << report_json(report, info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return report;
}

}  // namespace faultline::report
