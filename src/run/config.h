// What a run is asked to do (RunConfig) and what it found (RunResult).
#ifndef FAULTLINE_SRC_RUN_CONFIG_H_
#define FAULTLINE_SRC_RUN_CONFIG_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "env/backends.h"
#include "env/compose.h"
#include "faults/fault.h"
#include "report/findings.h"
#include "report/properties.h"

namespace faultline::run {

using env::Duration;

// A timeline of an earlier run to run again with the same choices.
struct ReplayTarget {
  std::filesystem::path run_directory;
  int timeline = 0;
};

struct RunConfig {
  std::vector<std::filesystem::path> compose_files;  // empty: found in `directory`
  std::filesystem::path directory = ".";
  std::string project_name;  // empty: compose's default
  std::string backend;       // "local" or "docker"; empty: the project's x-faultline.backend, else local
  std::string template_name;  // needed when the project holds several
  Duration duration{30 * 60 * 1000};  // the whole run, every timeline included
  Duration timeline_length{60 * 1000};  // one timeline, from its start to its teardown's end
  Duration command_timeout{5 * 60 * 1000};
  Duration setup_timeout{2 * 60 * 1000};
  int max_parallel = 4;
  std::optional<uint64_t> seed;  // empty: a fresh one, recorded
  std::filesystem::path out;  // the run directory; empty: runs/<time>-<seed>
  std::optional<ReplayTarget> replay;
  std::vector<std::string> arguments;  // the command line, for run.json
  // Which faults, and how many per minute of driver phase; unset: the compose file's
  // x-faultline.faults, else the defaults (faults/config.h).
  std::optional<std::set<faults::FaultKind>> fault_kinds;
  std::optional<double> fault_rate;
  // The report: the run to compare with (unset: the previous run of the template in the same
  // folder), and how far around a counterexample report.html shows the logs.
  std::optional<std::filesystem::path> compare_with;
  Duration log_window{5000};
};

// How a timeline's time was spent, in milliseconds.
struct TimeSpent {
  double setup = 0;     // environment up until setup complete
  double first = 0;     // the first_ command
  double drivers = 0;   // the driver phase
  double ending = 0;    // eventually_ or finally_
  double teardown = 0;  // the environment down, the history checked
  double total() const { return setup + first + drivers + ending + teardown; }
};

struct TimelineResult {
  int index = 0;
  uint64_t seed = 0;
  std::string outcome;  // completed, setup failed, interrupted
  std::string ending;   // eventually, finally, none
  size_t commands = 0;  // invocations started
  std::string history;  // the history check's verdict, when the template names a model
  TimeSpent time;
  std::vector<std::string> notes;  // what the user should know, such as whom clock faults reach
};

struct RunResult {
  int exit_status = 0;  // run/exit_status.h
  std::string error;    // the setup or configuration error, for exit status 2
  std::filesystem::path directory;
  std::vector<report::Property> properties;  // failing first
  report::InvalidLines invalid_sdk_lines;     // SDK lines that could not be read
  std::vector<TimelineResult> timelines;
  std::map<std::string, int> faults;             // faults started, by kind
  std::map<std::string, std::string> unavailable;  // fault kinds this machine could not offer, and why
  std::vector<std::string> notes;  // what the user should know of the run's faults (once each)
  std::optional<report::Findings> findings;  // against the run compared with, if there was one
  std::filesystem::path runs_index;          // the runs page rewritten, if any
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_CONFIG_H_
