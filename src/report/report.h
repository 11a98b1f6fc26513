// A run's report, made from its run directory alone, so that any run can be re-reported by a newer
// faultline: report.json (its schema: docs/report-schema.md), junit.xml and report.html.
#ifndef FAULTLINE_SRC_REPORT_REPORT_H_
#define FAULTLINE_SRC_REPORT_REPORT_H_

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "events/run_directory.h"
#include "report/findings.h"
#include "report/properties.h"
#include "report/run_facts.h"

namespace faultline::report {

// report.json's version: raised on an incompatible change; new keys may come within a version.
inline constexpr int kReportSchemaVersion = 1;

struct ReportOptions {
  // How far before and after a counterexample report.html shows the logs.
  std::chrono::milliseconds log_window{5000};
  // The run to compare with; unset: the previous run of the same template in the same folder.
  std::optional<std::filesystem::path> compare_with;
  bool compare_with_previous = true;
  // Log lines report.html holds at most (those around counterexamples first).
  size_t max_log_lines = 200000;
};

// What a report says of a run.
struct Report {
  std::vector<Property> properties;  // failing first
  InvalidLines invalid_sdk_lines;
  std::vector<events::LineProblem> unreadable_events;  // lines of events.jsonl skipped (a cut last one)
  RunFacts facts;
  std::optional<Findings> findings;  // when there was a run to compare with
  nlohmann::json document;           // report.json
};

// Evaluates events given in log order (any JSON, whatever its shape): properties, invalid SDK
// lines and what happened. The rest of a Report (findings, document) is left empty.
Report evaluate_events(const std::vector<nlohmann::json>& events);

// The report.json document of an evaluated run: `run_info` is its run.json (any JSON), `directory`
// where its merged histories are.
nlohmann::json report_json(const events::RunDirectory& directory, const Report& report, const nlohmann::json& run_info);

// Reads the run directory (events.jsonl, run.json, the merged histories; the compared run's
// report.json or events) and builds its report; writes nothing. Throws std::runtime_error when the
// directory has no events.jsonl; any content of it is reported.
Report build_report(const events::RunDirectory& directory, const ReportOptions& options = {});

// Writes report.json, junit.xml and report.html into the run directory (report.html also reads
// the logs).
void write_report_files(const events::RunDirectory& directory, const Report& report, const ReportOptions& options = {});

// build_report, then write_report_files; returns the report.
Report write_report(const events::RunDirectory& directory, const ReportOptions& options = {});

// Writes `text` beside `path` and renames it there: a reader (a browser reloading, CI) never sees
// half a file. Throws std::runtime_error when it cannot be written.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// The command line that runs the same run again: run.json's arguments, with its seed and without
// the run directory it wrote, quoted for a POSIX shell, from the folder it was started in.
std::string reproduce_command(const nlohmann::json& run_info);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_REPORT_H_
