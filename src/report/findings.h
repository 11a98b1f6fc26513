// Findings across runs, as the platform's triage report shows them: each property of this run is
// new-failing, resolved, still failing or passing when compared with an earlier run.
#ifndef FAULTLINE_SRC_REPORT_FINDINGS_H_
#define FAULTLINE_SRC_REPORT_FINDINGS_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/properties.h"

namespace faultline::report {

enum class Finding { new_failing, resolved, still_failing, passing };

// "new failing", "resolved", "still failing", "passing".
const char* to_string(Finding finding);

struct Findings {
  std::filesystem::path compared_with;       // the earlier run directory
  std::map<std::string, Finding> by_property;  // every property of this run
  // Properties that failed in the earlier run and are absent from this one count as resolved:
  // their name is here as well.
  std::vector<std::string> new_failing, resolved, still_failing, passing;
};

// Compares `properties` (this run) with those of `earlier`: {name: passed}.
Findings compare(const std::vector<Property>& properties, const std::map<std::string, bool>& earlier,
                 const std::filesystem::path& earlier_directory);

// The properties of a run directory as its report.json says ({name: passed}); empty when it has
// none readable.
std::map<std::string, bool> reported_properties(const std::filesystem::path& run_directory);

// The latest run before `run_directory` of the same project and template in the same folder (its
// siblings with a run.json), by their recorded start and then name; empty when there is none.
std::optional<std::filesystem::path> previous_run(const std::filesystem::path& run_directory);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_FINDINGS_H_
