// A run's report, made from its run directory alone, so that any run can be re-reported by a newer
// faultline: report.json (docs/run-directory.md).
#ifndef FAULTLINE_SRC_REPORT_REPORT_H_
#define FAULTLINE_SRC_REPORT_REPORT_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "events/run_directory.h"
#include "report/properties.h"

namespace faultline::report {

// The report.json document: the run (run.json as recorded), a summary and every property.
nlohmann::json report_json(const std::vector<Property>& properties, const nlohmann::json& run_info);

// Evaluates the run directory's events, writes its report.json and returns the properties, failing
// first. Throws std::runtime_error when the directory has no events.jsonl.
std::vector<Property> write_report(const events::RunDirectory& directory);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_REPORT_H_
