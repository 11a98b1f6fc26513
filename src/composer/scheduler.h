// The Test Composer: which command of a template runs when, in one timeline (spec section 1).
#ifndef FAULTLINE_SRC_COMPOSER_SCHEDULER_H_
#define FAULTLINE_SRC_COMPOSER_SCHEDULER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "composer/templates.h"

namespace faultline::composer {

using env::Duration;
using Clock = std::chrono::steady_clock;

// Why a running command was ended by faultline.
enum class KillReason { timeout, composer };

// Where commands run: the runner implements it (starting them in services, recording events).
class CommandHost {
 public:
  virtual ~CommandHost() = default;
  // Starts `command` in `service`; returns the invocation's id and a descriptor that becomes
  // readable when it has ended. Throws std::runtime_error when it cannot start.
  virtual std::pair<int, int> launch(const TemplateCommand& command, const std::string& service) = 0;
  // Collects an ended invocation (its exit descriptor is readable).
  virtual void reap(int invocation) = 0;
  // Ends a running invocation; reap follows once it has ended.
  virtual void kill(int invocation, KillReason reason) = 0;
};

// The parts of a timeline, in order. Faults belong to the driver phase only.
enum class Phase { first, drivers, ending, done };

const char* to_string(Phase phase);

// Told of every phase the scheduler enters (the runner records it; the fault injector starts and
// heals faults by it without knowing the Test Composer).
class PhaseListener {
 public:
  virtual ~PhaseListener() = default;
  // Called on the scheduler's thread before the phase's first command starts; the phase waits for
  // it to return. `ending` is "eventually" or "finally" for Phase::ending, else empty.
  virtual void on_phase(Phase phase, std::string_view ending) = 0;
};

// What a run has exercised so far, across its timelines: choices not yet made come first (a
// command never started, an ending kind not yet run), still drawn from the timeline's seed.
struct Explored {
  std::set<std::string> commands;  // names of commands started
  std::set<std::string> endings;   // "eventually", "finally"
};

struct SchedulerOptions {
  Clock::time_point drivers_until = Clock::now() + Duration(60000);  // no driver starts after it
  int max_parallel = 4;             // parallel drivers running at once: 1..max_parallel
  Duration command_timeout{300000};
  int max_invocations = 10000;      // a bound on starts per timeline, whatever the timing
  std::vector<PhaseListener*> listeners;
  Explored* explored = nullptr;     // updated as commands start; null: every choice is uniform
};

// What happened in a timeline, for the run's record.
struct TimelineSummary {
  std::vector<std::string> started;  // "command@service", in start order
  std::string ending;                // "eventually", "finally", or "none"
  bool all_completed = true;         // no command was killed
  bool cancelled = false;
};

class Scheduler {
 public:
  // Every choice is drawn from `seed`. `cancel_fd` becomes readable when the run is interrupted.
  Scheduler(const TestTemplate& tpl, uint64_t seed, SchedulerOptions options, CommandHost& host, int cancel_fd);

  // Runs the timeline's phases: one first_, the driver phase, then eventually_ or finally_; tells
  // the listeners of each phase it enters, Phase::done last.
  TimelineSummary run();

 private:
  struct Command {
    const TemplateCommand* any;          // name and kind
    std::vector<const TemplateCommand*> places;  // one per service that holds it
  };
  struct Running {
    CommandKind kind;
    int exit_fd;
    std::chrono::steady_clock::time_point deadline;
  };

  Scheduler(const TestTemplate& tpl, const std::vector<uint64_t>& seeds, SchedulerOptions options, CommandHost& host,
            int cancel_fd);
  // Starts a random service's copy of `command`; false if it could not start.
  bool start(const Command& command, std::mt19937_64& service_rng);
  // Waits until a running command ends, `until` passes or the run is cancelled; reaps what ended
  // and kills what ran past its timeout.
  void wait(std::chrono::steady_clock::time_point until);
  void wait_for_all();
  void kill_all();
  size_t running_of(std::initializer_list<CommandKind> kinds) const;
  const Command* pick(std::vector<const Command*> among, std::mt19937_64& rng);
  void run_alone(const Command& command, std::mt19937_64& service_rng);
  void driver_phase();
  void ending();

  std::map<CommandKind, std::vector<Command>> commands_;
  SchedulerOptions options_;
  CommandHost& host_;
  int cancel_fd_;
  void enter(Phase phase, std::string_view ending = {});
  // Picks among `among`, preferring what the run has not yet explored.
  const Command* pick_unexplored(std::vector<const Command*> among, std::mt19937_64& rng);

  // Separate streams, so that one kind of choice never shifts another.
  std::mt19937_64 pick_rng_, service_rng_, parallelism_rng_, anytime_rng_, anytime_service_rng_, ending_rng_;
  std::map<int, Running> running_;
  TimelineSummary summary_;
  int invocations_ = 0;
};

}  // namespace faultline::composer

#endif  // FAULTLINE_SRC_COMPOSER_SCHEDULER_H_
