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

#include "events/json_line.h"
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

// Where an assertion is declared, as its SDK wrote it.
struct Location {
  std::string file;
  int64_t line = 0;
  std::string function;
  std::string class_name;
  bool known() const { return !file.empty(); }
};

struct Property {
  std::string id;            // the message, or the built-in property's name
  std::string display_type;  // Always, AlwaysOrUnreachable, Sometimes, Reachable, Unreachable
  std::string assert_type;   // always, sometimes, reachability
  bool must_hit = true;
  bool builtin = false;
  Location location;         // of the first declaration, when known
  uint64_t passes = 0;       // exact where the SDK wrote counts; otherwise lower bounds
  uint64_t fails = 0;
  std::vector<Example> examples;         // passing evaluations (the first few)
  std::vector<Example> counterexamples;  // failing evaluations (the first few)

  bool reached() const { return passes + fails > 0; }
  // The verdict by the spec's table.
  bool passed() const;
};

// One SDK line the run could not read.
struct InvalidLine {
  events::LineProblem where;  // file: relative to the run directory (timelines/N/sdk/...)
  std::string text;           // its start, as kept in the sdk_invalid event
};

// Every SDK line the run could not read: how many, per file, and the first few.
struct InvalidLines {
  static constexpr size_t kFirstKept = 10;
  uint64_t count = 0;
  std::map<std::string, uint64_t> by_file;
  std::vector<InvalidLine> first;
};

class PropertyEvaluator {
 public:
  // Feeds one event (in log order): any JSON value, whatever its shape; an `sdk` event whose line
  // is of the wrong shape (report/sdk_line_shape.h: events of an older faultline) is invalid.
  void add(const nlohmann::json& event);
  // Every property, failing ones first, then by name.
  std::vector<Property> properties() const;
  // How many fail now (for the live status line).
  int failing() const;
  // The SDK lines that could not be read (sdk_invalid events, and sdk events of the wrong shape).
  const InvalidLines& invalid_sdk_lines() const { return invalid_; }

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
  void add_invalid(int timeline, const events::Source& source, std::string problem, std::string text);

  std::map<std::string, Tracked> tracked_;
  std::map<int, std::pair<std::string, std::string>> invocations_;  // id -> (command, service)
  std::map<int, bool> setup_seen_;                                  // timeline -> setup complete
  InvalidLines invalid_;
};


}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_PROPERTIES_H_
