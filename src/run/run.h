// A run: a test template run for as many timelines as its duration allows, everything recorded in
// a run directory, and the verdict on every property. faultline's core; `faultline run` is one call
// to it.
//
//   run::Run run(config);             // loads the project and the template, picks the seed
//   run::RunResult result = run.execute();  // blocks; run.cancel() from another thread ends it early
#ifndef FAULTLINE_SRC_RUN_RUN_H_
#define FAULTLINE_SRC_RUN_RUN_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "composer/templates.h"
#include "env/compose.h"
#include "run/cancellation.h"
#include "run/config.h"
#include "run/history_check.h"
#include "run/timeline.h"

namespace faultline::run {

// A configuration the run cannot start with (exit status 2); what() says what to change. (Compose
// files' own errors are env::ConfigError, naming file and line.)
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a run is doing, for a live status line.
struct Progress {
  int timeline = 0;
  int running = 0;  // commands running now
  int done = 0;     // commands ended
  int failing = 0;  // properties failing so far
  std::vector<std::string> faults;  // the faults in force now
  double elapsed_seconds = 0;
  double total_seconds = 0;
};

class Run {
 public:
  // Loads the compose files and the template, and picks the seed (a replay takes the earlier run's).
  // Throws env::ConfigError or RunError.
  explicit Run(RunConfig config);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const env::Project& project() const { return project_; }
  const composer::TestTemplate& test_template() const { return *template_; }
  uint64_t seed() const { return seed_; }
  const std::filesystem::path& directory() const { return out_; }
  // The services faults go into, and the kinds that may be injected.
  const FaultSetup& faults() const { return faults_; }

  // Runs every timeline, writes run.json and report.json, returns the verdict. Never throws for what
  // the system under test does; a setup failure gives exit status 2 with the reason.
  RunResult execute();

  // Ends the run early: the running timeline is torn down, the report written (exit status 130).
  // From any thread, any number of times.
  void cancel();

  // Thread-safe.
  Progress progress() const;

 private:
  class Tracker;

  RunConfig config_;
  env::Project project_;
  env::BackendKind backend_ = env::BackendKind::local;
  std::vector<composer::TestTemplate> templates_;
  const composer::TestTemplate* template_ = nullptr;
  std::optional<HistoryCheck> history_;
  FaultSetup faults_;
  composer::Explored explored_;  // what the run has exercised before its first timeline
  uint64_t seed_ = 0;
  std::optional<uint64_t> replay_seed_;
  std::filesystem::path out_;
  Cancellation cancellation_;
  std::unique_ptr<Tracker> tracker_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_RUN_H_
