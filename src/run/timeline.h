// One timeline: a fresh environment, setup complete, the Test Composer's phases, teardown, and the
// timeline's history checked. It is the Test Composer's CommandHost: it starts test commands in
// services and records each in the event log.
#ifndef FAULTLINE_SRC_RUN_TIMELINE_H_
#define FAULTLINE_SRC_RUN_TIMELINE_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "composer/scheduler.h"
#include "composer/templates.h"
#include "env/environment.h"
#include "events/event_log.h"
#include "events/run_directory.h"
#include "faults/config.h"
#include "faults/injector.h"
#include "faults/planner.h"
#include "run/cancellation.h"
#include "run/config.h"
#include "run/history_check.h"
#include "run/sdk_plumbing.h"

namespace faultline::run {

class SdkLines;
class ServiceLogs;

// Setup did not complete: the environment did not come up, or no process wrote setup complete in
// time. what() says why, with the services' last lines.
class SetupFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a run's timelines inject: the same for each, with the kinds found unavailable shared.
struct FaultSetup {
  faults::FaultConfig config;
  std::vector<std::string> targets;
  std::vector<faults::CustomFault> custom;
  std::set<faults::FaultKind> unavailable;
};

struct TimelinePlan {
  int index = 1;
  uint64_t seed = 0;
  composer::Clock::time_point deadline;  // when the timeline should be over, teardown included
  Duration ending_reserve{5000};         // kept at the end for the ending phase and teardown
  Duration setup_timeout{120000};
  int max_parallel = 4;
  Duration command_timeout{300000};
  composer::Explored* explored = nullptr;  // the run's, shared by its timelines
  FaultSetup* faults = nullptr;            // the run's; null: no faults
  env::BackendKind backend = env::BackendKind::local;
};

// The drivers of a timeline never run for less than this, however late setup completes.
inline constexpr Duration kMinimumDriverPhase{1000};

class Timeline final : public composer::CommandHost,
                       public composer::PhaseListener,
                       public env::EnvironmentObserver,
                       public faults::FaultObserver {
 public:
  // Everything given must outlive the timeline.
  Timeline(const env::Project& project, const composer::TestTemplate& tpl, const std::optional<HistoryCheck>& history,
           const events::RunDirectory& directory, events::EventLog& log, const Cancellation& cancellation,
           TimelinePlan plan);
  ~Timeline() override;

  // Another listener of the Test Composer's phases, told after the timeline itself. Before run().
  void add_phase_listener(composer::PhaseListener* listener);

  // Runs the timeline to its end and tears it down. Throws SetupFailed (after teardown and after
  // recording the timeline's end).
  TimelineResult run();

  // --- composer::CommandHost ---
  std::pair<int, int> launch(const composer::TemplateCommand& command, const std::string& service) override;
  void reap(int invocation) override;
  void kill(int invocation, composer::KillReason reason) override;

  // --- composer::PhaseListener ---
  void on_phase(composer::Phase phase, std::string_view ending) override;

  // --- env::EnvironmentObserver ---
  void on_output(const std::string& source, const char* stream, const std::string& line) override;
  void on_state(const std::string& service, env::ServiceState state, const std::string& detail) override;

  // --- faults::FaultObserver ---
  void on_fault_started(int id, const faults::Fault& fault) override;
  void on_fault_ended(int id, const faults::Fault& fault, Duration lasted, const std::string& reason,
                      const std::string& error) override;
  void on_fault_unavailable(faults::FaultKind kind, const std::string& reason) override;
  void on_fault_failed(const faults::Fault& fault, const std::string& reason) override;

 private:
  struct Invocation {
    std::string command, service;
    std::chrono::steady_clock::time_point started;
    std::unique_ptr<env::RunningProcess> process;
    bool killed = false;
    composer::KillReason kill_reason = composer::KillReason::composer;
  };

  // Brings the environment up and waits for setup complete; returns the reason it failed, or "".
  std::string set_up(env::Environment& environment);
  double ms_since(std::chrono::steady_clock::time_point from) const;
  // Tells the injector whose clock a clock fault can shift; returns notes saying so.
  std::vector<std::string> aim_clock_faults(env::Environment& environment, faults::Injector& injector) const;

  const composer::TestTemplate& template_;
  const std::optional<HistoryCheck>& history_;
  const events::RunDirectory& directory_;
  events::EventLog& log_;
  const Cancellation& cancellation_;
  const TimelinePlan plan_;
  SdkFolder sdk_folder_;
  env::Project project_;
  std::unique_ptr<ServiceLogs> logs_;
  std::vector<composer::PhaseListener*> listeners_;
  env::Environment* environment_ = nullptr;  // while it runs
  SdkLines* sdk_lines_ = nullptr;            // while it runs
  faults::Injector* injector_ = nullptr;     // while the environment runs, when faults are on
  int setup_fd_ = -1;                        // readable once setup is complete
  int invocations_ = 0;
  std::map<int, Invocation> running_;  // the scheduler's thread only
  // Phase boundaries, for the time spent.
  std::map<composer::Phase, std::chrono::steady_clock::time_point> entered_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_TIMELINE_H_
