// `faultline run` and `faultline report` on the terminal: the run itself is run::Run.
#ifndef FAULTLINE_SRC_CLI_RUN_H_
#define FAULTLINE_SRC_CLI_RUN_H_

#include <filesystem>

#include "report/report.h"
#include "run/config.h"

namespace faultline::cli {

// Runs with a live status line (none when `quiet`), then prints the properties, how each
// timeline's time was spent and the verdict; returns the exit status (run/exit_status.h).
int run_command(const run::RunConfig& config, bool quiet);

// Rebuilds report.json, report.html and junit.xml from a run directory and prints the summary.
int report_command(const std::filesystem::path& directory, const report::ReportOptions& options);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_RUN_H_
