// `faultline run` and `faultline report`: run a test template for a while and say which
// properties hold.
#ifndef FAULTLINE_SRC_CLI_RUN_H_
#define FAULTLINE_SRC_CLI_RUN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace faultline::cli {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

struct RunOptions {
  std::vector<std::string> files;  // compose files; empty: found in `directory`
  std::string directory = ".";
  std::string duration = "30m";
  std::string timeline = "60s";
  std::string command_timeout = "5m";
  std::string setup_timeout = "2m";
  std::optional<uint64_t> seed;
  std::string out;  // default: runs/<time>-<seed>
  std::string template_name;
  int max_parallel = 4;
  bool quiet = false;
  std::string replay;  // RUN_DIR:N
  std::vector<std::string> arguments;  // as given, for run.json
};

// Runs; returns the exit status (kExit*). Configuration errors are reported and give kExitUsage.
int run_command(const RunOptions& options);

// Rebuilds report.json from a run directory's events and prints the summary.
int report_command(const std::string& run_directory);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_RUN_H_
