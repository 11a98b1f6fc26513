// The faults in force in one environment, applied through its typed API. The injector draws faults
// and hands them here; `faultline env fault` does the same by hand.
#ifndef FAULTLINE_SRC_FAULTS_IN_FORCE_H_
#define FAULTLINE_SRC_FAULTS_IN_FORCE_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "env/environment.h"
#include "faults/fault.h"

namespace faultline::faults {

// One caller at a time (the injector's lock, or the control socket's thread).
class FaultsInForce {
 public:
  // `environment` must outlive this.
  explicit FaultsInForce(env::Environment& environment);
  // Lifts whatever is still in force.
  ~FaultsInForce();
  FaultsInForce(const FaultsInForce&) = delete;
  FaultsInForce& operator=(const FaultsInForce&) = delete;

  // Puts `fault` in force and returns its number. Throws std::runtime_error when it cannot be
  // applied; nothing of it is in force then.
  int start(const Fault& fault);
  // Lifts fault `id`: its network conditions go, a paused service is resumed, a killed or stopped
  // one is started again (its health check runs again). Returns what could not be undone, or "".
  std::string end(int id);
  // The faults in force, by number.
  const std::map<int, Fault>& active() const { return active_; }
  std::vector<Fault> faults() const;

 private:
  // Puts the network conditions of every network fault of `faults` in force, at once.
  void apply_network(const std::vector<Fault>& faults);
  std::vector<std::string> services() const;

  env::Environment& environment_;
  int next_id_ = 0;
  std::map<int, Fault> active_;
  std::map<int, std::unique_ptr<env::RunningProcess>> programs_;  // custom faults still running
};

// Starts a service that a fault took down, if it is not running, and waits (at most `timeout`)
// until it is ready again; returns why it is not, or "".
std::string restart_and_wait(env::Environment& environment, const std::string& service, Duration timeout);

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_IN_FORCE_H_
