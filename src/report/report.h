// A run's report, made from its run directory alone, so that any run can be re-reported by a newer
// faultline: report.json (docs/run-directory.md).
#ifndef FAULTLINE_SRC_REPORT_REPORT_H_
#define FAULTLINE_SRC_REPORT_REPORT_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "events/run_directory.h"
#include "report/properties.h"

namespace faultline::report {

// What a report says of a run.
struct Report {
  std::vector<Property> properties;  // failing first
  InvalidLines invalid_sdk_lines;
  std::vector<events::LineProblem> unreadable_events;  // lines of events.jsonl skipped (a cut last one)
};

// The report.json document: the run (run.json as recorded), a summary, every property, the SDK
// lines that could not be read and the lines of events.jsonl skipped.
nlohmann::json report_json(const Report& report, const nlohmann::json& run_info);

// Evaluates the run directory's events, writes its report.json and returns what it says. Throws
// std::runtime_error when the directory has no events.jsonl; any content of it is reported.
Report write_report(const events::RunDirectory& directory);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_REPORT_H_
