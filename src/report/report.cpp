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

}  // namespace

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

std::vector<Property> write_report(const events::RunDirectory& directory) {
  std::ifstream in(directory.run_json());
  nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded() || !info.is_object()) info = nlohmann::json::object();
  const std::vector<Property> properties = evaluate(events::read_events(directory.events()));
  std::ofstream(directory.report_json()) << report_json(properties, info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return properties;
}

}  // namespace faultline::report
