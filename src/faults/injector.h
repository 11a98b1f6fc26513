// The fault injector of one timeline: on its own thread it draws faults from the planner and puts
// them in force while it is injecting, ends each after its duration, and heals everything on
// request. It knows nothing of test commands: the run tells it when the driver phase begins and
// when the quiet phase comes.
#ifndef FAULTLINE_SRC_FAULTS_INJECTOR_H_
#define FAULTLINE_SRC_FAULTS_INJECTOR_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "env/environment.h"
#include "faults/in_force.h"
#include "faults/planner.h"

namespace faultline::faults {

// Told of every fault, from the injector's thread or from the caller of heal()/stop_faults().
class FaultObserver {
 public:
  virtual ~FaultObserver() = default;
  virtual void on_fault_started(int id, const Fault& fault) = 0;
  // `reason`: expired, healed (the quiet phase or the end), stop_faults. `error`: what could not be
  // undone, or "".
  virtual void on_fault_ended(int id, const Fault& fault, Duration lasted, const std::string& reason,
                              const std::string& error) = 0;
  // A kind this machine cannot offer; it is not drawn again.
  virtual void on_fault_unavailable(FaultKind kind, const std::string& reason) = 0;
  // A node fault that could not be put in force now (its service ended meanwhile, say).
  virtual void on_fault_failed(const Fault& fault, const std::string& reason) = 0;
};

class Injector {
 public:
  // `unavailable` holds the kinds found unavailable so far (shared by a run's timelines; the
  // injector adds to it). Everything given must outlive the injector.
  Injector(env::Environment& environment, FaultPlanner planner, FaultObserver& observer,
           std::set<FaultKind>& unavailable);
  // Heals what is in force and stops the thread.
  ~Injector();
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  // Starts drawing faults (the driver phase began).
  void start();
  // Ends every fault in force and injects nothing more; returns once everything is healed: rules
  // removed, paused services resumed, killed and stopped ones started again and, with
  // `wait_until_ready`, ready (bounded; an interrupted run does not wait).
  void heal(bool wait_until_ready = true);
  // "$ANTITHESIS_STOP_FAULTS" N: heals at once and injects nothing for `quiet`; overlapping
  // requests extend to the latest end.
  void stop_faults(Duration quiet);

  // The targets whose clock a clock fault can shift (FaultPlanner::set_clock_targets).
  void set_clock_targets(std::set<std::string> targets);

  // The faults in force now, described.
  std::vector<std::string> active() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Running {
    Fault fault;
    Clock::time_point started, ends;
  };

  void loop();
  void start_next();
  // Ends every fault in force with `reason`; returns the services started again.
  std::vector<std::string> end_all(const std::string& reason);
  void end_one(int id, const std::string& reason);

  env::Environment& environment_;
  FaultPlanner planner_;
  FaultObserver& observer_;
  std::set<FaultKind>& unavailable_;
  mutable std::mutex mutex_;  // held while faults are put in force or lifted
  std::condition_variable wake_;
  FaultsInForce in_force_;
  std::map<int, Running> running_;
  bool injecting_ = false;
  bool closing_ = false;
  Clock::time_point next_start_{}, quiet_until_{};
  std::thread thread_;
};

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_INJECTOR_H_
