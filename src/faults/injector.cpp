#include "injector.h"

#include <algorithm>

namespace faultline::faults {
namespace {

// How long heal() waits for a restarted service to be ready again.
constexpr Duration kReadyAgain{30000};

bool takes_service_down(FaultKind kind) { return kind == FaultKind::kill || kind == FaultKind::stop; }

}  // namespace

Injector::Injector(env::Environment& environment, FaultPlanner planner, FaultObserver& observer,
                   std::set<FaultKind>& unavailable)
    : environment_(environment),
      planner_(std::move(planner)),
      observer_(observer),
      unavailable_(unavailable),
      in_force_(environment) {
  thread_ = std::thread([this] { loop(); });
}

Injector::~Injector() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  end_all("healed");
}

void Injector::start() {
  {
    std::lock_guard lock(mutex_);
    injecting_ = true;
    next_start_ = Clock::now() + planner_.next_gap();
  }
  wake_.notify_all();
}

void Injector::heal(bool wait_until_ready) {
  std::vector<std::string> restarted;
  {
    std::lock_guard lock(mutex_);
    injecting_ = false;
    restarted = end_all("healed");
  }
  wake_.notify_all();
  // The quiet phase begins with the system whole again: every service a fault took down is back.
  if (!wait_until_ready) return;
  for (const std::string& service : restarted) restart_and_wait(environment_, service, kReadyAgain);
}

void Injector::stop_faults(Duration quiet) {
  {
    std::lock_guard lock(mutex_);
    quiet_until_ = std::max(quiet_until_, Clock::now() + quiet);
    end_all("stop_faults");
  }
  wake_.notify_all();
}

void Injector::set_clock_targets(std::set<std::string> targets) {
  std::lock_guard lock(mutex_);
  planner_.set_clock_targets(std::move(targets));
}

std::vector<std::string> Injector::active() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, running] : running_) out.push_back(running.fault.describe());
  return out;
}

std::vector<std::string> Injector::end_all(const std::string& reason) {
  std::vector<std::string> restarted;
  while (!running_.empty()) {
    const auto& [id, running] = *running_.begin();
    if (takes_service_down(running.fault.kind)) restarted.push_back(running.fault.nodes.front());
    end_one(id, reason);
  }
  return restarted;
}

void Injector::end_one(int id, const std::string& reason) {
  const auto it = running_.find(id);
  if (it == running_.end()) return;
  const Running running = it->second;
  running_.erase(it);
  const std::string error = in_force_.end(id);
  observer_.on_fault_ended(id, running.fault, std::chrono::duration_cast<Duration>(Clock::now() - running.started),
                           reason, error);
}

void Injector::start_next() {
  std::set<std::string> down;
  for (const auto& [name, spec] : environment_.project().services) {
    if (environment_.status(name).state == env::ServiceState::exited) down.insert(name);
  }
  for (;;) {
    const std::optional<Fault> fault = planner_.next_fault(in_force_.faults(), unavailable_, down);
    if (!fault) return;
    try {
      const Clock::time_point now = Clock::now();
      const int id = in_force_.start(*fault);
      running_[id] = {*fault, now, now + fault->duration};
      observer_.on_fault_started(id, *fault);
      return;
    } catch (const std::exception& e) {
      // A node fault fails when its service ended meanwhile: another will do. A network or clock
      // fault fails for want of what the kernel or the backend offers: it is said once and not
      // drawn again.
      if (std::string(type_of(fault->kind)) == "node") {
        observer_.on_fault_failed(*fault, e.what());
        return;
      }
      unavailable_.insert(fault->kind);
      observer_.on_fault_unavailable(fault->kind, e.what());
    }
  }
}

void Injector::loop() {
  std::unique_lock lock(mutex_);
  while (!closing_) {
    const Clock::time_point now = Clock::now();
    std::vector<int> due;
    for (const auto& [id, running] : running_) {
      if (running.ends <= now) due.push_back(id);
    }
    for (int id : due) end_one(id, "expired");
    if (injecting_ && now >= quiet_until_ && now >= next_start_) {
      start_next();
      // From when it is in force: putting a node fault in force can take a while (a stop's grace).
      next_start_ = Clock::now() + planner_.next_gap();
    }
    Clock::time_point wake = Clock::time_point::max();
    for (const auto& [id, running] : running_) wake = std::min(wake, running.ends);
    if (injecting_) wake = std::min(wake, std::max(next_start_, quiet_until_));
    if (wake == Clock::time_point::max()) {
      wake_.wait(lock);  // (a wait until max() may overflow and return at once)
    } else {
      wake_.wait_until(lock, wake);
    }
  }
}

}  // namespace faultline::faults
