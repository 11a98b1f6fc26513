// report.html and the runs page: self-contained HTML files (inline CSS, script and SVG, no fetch
// of any kind) whose script draws the report from the JSON embedded in them. The pages are the
// templates in src/report/assets/, compiled in; everything from the system under test reaches
// them only as JSON data, which the page's script shows as text.
#ifndef FAULTLINE_SRC_REPORT_HTML_PAGE_H_
#define FAULTLINE_SRC_REPORT_HTML_PAGE_H_

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "events/run_directory.h"

namespace faultline::report {

struct Report;
struct ReportOptions;

// JSON text that can sit inside a <script> element: "<", ">", "&", U+2028 and U+2029 written as
// \u escapes (so no "</script>" or "<!--" can appear), invalid UTF-8 replaced.
std::string script_safe_json(const nlohmann::json& data);

// The merged log report.html shows: every service's and command's lines (logs/timeline-N/), the
// faults and the composer's steps, in time order: {"sources": [...], "lines": [[t_ms, source,
// stream, text], ...], "omitted": n}. Past `max_lines`, lines near counterexamples are kept first.
nlohmann::json merged_log(const events::RunDirectory& directory, const Report& report, const ReportOptions& options);

// report.html for a report.
std::string report_html(const events::RunDirectory& directory, const Report& report, const ReportOptions& options);

// Rewrites <runs_folder>/index.html: every run directory in it (a folder with a run.json), newest
// first, with its verdict and findings from its report.json.
void write_runs_index(const std::filesystem::path& runs_folder);

// Whether <folder>/index.html is a runs page faultline wrote (and so may be rewritten).
bool has_runs_index(const std::filesystem::path& folder);

// Rewrites the runs page of the folder holding `run_directory` when `create` (the default runs
// folder) or when that folder has one already; returns its path, or empty when none was written.
std::filesystem::path update_runs_index(const std::filesystem::path& run_directory, bool create);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_HTML_PAGE_H_
