// Properties of a run, evaluated from its event log alone (spec section 3): the SDK assertions
// every process declared and evaluated, and faultline's built-in properties about the test
// commands and setup. The same evaluator serves the live status line and `faultline report`.
#ifndef FAULTLINE_SRC_REPORT_PROPERTIES_H_
#define FAULTLINE_SRC_REPORT_PROPERTIES_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "events/schema.h"

namespace faultline::report {

// One evaluation kept as an example: where and when it happened, and its details.
struct Example {
  int timeline = 0;
  double t = 0;  // ms since the run started
  std::string service;
  int invocation = 0;  // 0: a service's own process
  std::string command;
  nlohmann::json details;
};

struct Property {
  std::string id;            // the message, or the built-in property's name
  std::string display_type;  // Always, AlwaysOrUnreachable, Sometimes, Reachable, Unreachable
  std::string assert_type;   // always, sometimes, reachability
  bool must_hit = true;
  bool builtin = false;
  std::string location;      // file:line of the first declaration, when known
  uint64_t passes = 0;       // exact where the SDK wrote counts; otherwise lower bounds
  uint64_t fails = 0;
  std::vector<Example> examples;         // passing evaluations (the first few)
  std::vector<Example> counterexamples;  // failing evaluations (the first few)

  bool reached() const { return passes + fails > 0; }
  // The verdict by the spec's table.
  bool passed() const;
};

class PropertyEvaluator {
 public:
  // Feeds one event (in log order).
  void add(const nlohmann::json& event);
  // Every property, failing ones first, then by name.
  std::vector<Property> properties() const;
  // How many fail now (for the live status line).
  int failing() const;
  // Lines that were not valid JSON, seen in SDK outputs.
  int invalid_sdk_lines() const { return invalid_sdk_lines_; }

 private:
  struct Source {
    uint64_t line_passes = 0, line_fails = 0;            // from evaluation lines
    std::map<std::string, std::pair<uint64_t, uint64_t>> counts;  // process token -> faultline_counts
  };
  struct Tracked {
    Property property;
    std::map<std::string, Source> sources;  // by SDK output file
  };

  Tracked& track(const std::string& id, const std::string& display_type, const std::string& assert_type,
                 bool must_hit, bool builtin);
  void add_sdk_line(const events::SdkLine& sdk, double t);
  // Sets a property's totals from its sources' lines and counts.
  static void recount(Tracked& tracked);
  static void keep(std::vector<Example>& examples, Example example);

  std::map<std::string, Tracked> tracked_;
  std::map<int, std::pair<std::string, std::string>> invocations_;  // id -> (command, service)
  std::map<int, bool> setup_seen_;                                  // timeline -> setup complete
  int invalid_sdk_lines_ = 0;
};

// Evaluates every property of a run from its events, in log order.
std::vector<Property> evaluate(const std::vector<nlohmann::json>& events);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_PROPERTIES_H_
