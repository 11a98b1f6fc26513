// Which faults a run injects, how often, and into which services: `--faults` and `--fault-rate`
// on the command line, `x-faultline: {faults: ...}` in the compose file.
#ifndef FAULTLINE_SRC_FAULTS_CONFIG_H_
#define FAULTLINE_SRC_FAULTS_CONFIG_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "env/compose.h"
#include "faults/fault.h"

namespace faultline::faults {

struct FaultConfig {
  std::set<FaultKind> kinds;  // those that may be injected; empty: none
  double rate_per_minute = 10;  // mean starts per minute of driver phase
  Duration min_duration{2000};
  Duration max_duration{10000};
  std::vector<std::string> targets;  // empty: every service that holds no test template
  std::vector<std::string> exclude;
};

// The platform's basic test: every network fault, pause, and the template's own fault_ programs.
std::set<FaultKind> default_fault_kinds();

// "none", "all", "network", "node", "clock" or a kind's name ("partition", "kill", ...), and lists
// of them ("network,kill"). Throws std::invalid_argument naming the word it does not know.
std::set<FaultKind> parse_fault_kinds(const std::string& text);

// The project's `x-faultline: {faults: {kinds, rate, min_duration, max_duration, targets, exclude}}`
// over the defaults; `kinds` is a list or a text as parse_fault_kinds takes it. Throws
// env::ConfigError naming the file, line and field.
FaultConfig fault_config_of(const env::Project& project);

// The services faults go into: `config.targets` (or every service not in `test_holders`), less
// `config.exclude`. Throws env::ConfigError for a service the project does not have.
std::vector<std::string> fault_targets(const FaultConfig& config, const env::Project& project,
                                       const std::set<std::string>& test_holders);

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_CONFIG_H_
