#include "environment.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

namespace faultline::env {

namespace {

using Clock = std::chrono::steady_clock;

// While a service starts, its health check runs this often (or at its own interval, if shorter),
// so that dependants start as soon as it is ready rather than an interval later.
constexpr Duration kStartingProbeInterval{100};

// How long kill and stop wait for the exit that follows SIGKILL (the kernel ends a PID namespace
// in milliseconds; this bounds a process stuck in the kernel).
constexpr Duration kExitWait{10000};

bool is_running(ServiceState state) { return state != ServiceState::created && state != ServiceState::exited; }

std::string seconds(Duration d) {
  const auto tenths = d.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

const char* to_string(ServiceState state) {
  switch (state) {
    case ServiceState::created: return "created";
    case ServiceState::starting: return "starting";
    case ServiceState::running: return "running";
    case ServiceState::healthy: return "healthy";
    case ServiceState::unhealthy: return "unhealthy";
    case ServiceState::exited: return "exited";
  }
  return "unknown";
}

Environment::Environment(Project project, EnvironmentObserver* observer)
    : project_(std::move(project)), observer_(observer) {
  for (const auto& [name, spec] : project_.services) records_[name].status.changed_at = std::chrono::system_clock::now();
  if (pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe failed");
  log_thread_ = std::thread([this] { read_logs(); });
}

Environment::~Environment() {
  down(Duration(0));
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
}

void Environment::attach(std::unique_ptr<Backend> backend) { backend_ = std::move(backend); }

void Environment::on_exit(const std::string& service, int status) {
  change_state(service, ServiceState::exited, std::to_string(status), [&](ServiceRecord& record) {
    if (record.launching) {  // it ended before launch() recorded its start: reported after that
      record.early_exit = status;
      return false;
    }
    record.status.exit_status = status;
    record.status.paused = false;
    return true;
  });
}

void Environment::on_health(const std::string& service, bool healthy, const std::string& output) {
  change_state(service, healthy ? ServiceState::healthy : ServiceState::unhealthy, healthy ? "" : output,
               [&](ServiceRecord& record) {
                 const ServiceState now = record.status.state;
                 if (record.launching) {  // for the run being launched: reported after its start
                   record.early_health = {healthy, output};
                   return false;
                 }
                 if (now == ServiceState::exited || now == ServiceState::created) return false;
                 record.status.health_output = output;
                 return true;
               });
}

void Environment::change_state(const std::string& service, ServiceState state, const std::string& detail,
                               const std::function<bool(ServiceRecord&)>& applies) {
  std::lock_guard order(report_mutex_);
  {
    std::lock_guard lock(mutex_);
    ServiceRecord& r = record(service);
    if (!applies(r) || r.status.state == state) return;
    r.status.state = state;
    r.status.changed_at = std::chrono::system_clock::now();
  }
  // Reported before waiters wake: who waited for a state finds the observer told of it.
  if (observer_) observer_->on_state(service, state, detail);
  changed_.notify_all();
}

Environment::ServiceRecord& Environment::record(const std::string& service) {
  auto it = records_.find(service);
  if (it == records_.end()) throw std::runtime_error("no service named \"" + service + "\"");
  return it->second;
}

ServiceStatus Environment::status(const std::string& service) const {
  std::lock_guard lock(mutex_);
  return records_.at(service).status;
}

void Environment::up(Duration timeout) {
  if (!backend_) throw StartError("no backend attached");
  const auto deadline = Clock::now() + timeout;
  for (const std::string& name : project_.start_order) {
    for (const Dependency& dependency : project_.services.at(name).depends_on) {
      wait_for_dependency(name, dependency, deadline);
    }
    start(name);
  }
}

std::pair<int, int> Environment::log_pipes(const std::string& source) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  {
    std::lock_guard lock(mutex_);
    log_fds_[out[0]] = {source, "stdout"};
    log_fds_[err[0]] = {source, "stderr"};
  }
  const ssize_t ignored = write(wake_pipe_[1], "w", 1);
  (void)ignored;
  return {out[1], err[1]};
}

std::unique_ptr<RunningProcess> Environment::exec_logged(const std::string& service, ExecRequest request,
                                                         const std::string& log_source) {
  const auto [out, err] = log_pipes(log_source);
  request.stdout_fd = out;
  request.stderr_fd = err;
  std::unique_ptr<RunningProcess> process;
  try {
    process = backend_->exec(service, request);
  } catch (...) {
    close(out);
    close(err);
    throw;
  }
  close(out);
  close(err);
  return process;
}

void Environment::start(const std::string& name) {
  if (!backend_) throw std::runtime_error("no backend attached");
  std::thread previous_watcher;
  {
    std::lock_guard lock(mutex_);
    ServiceRecord& r = record(name);
    if (stopping_) throw StartError("stopped before " + name + " started");
    if (r.launching || is_running(r.status.state)) throw std::runtime_error("service " + name + " is running");
    r.launching = true;
    r.early_health.reset();
    previous_watcher = std::move(r.health);
  }
  // The previous run's watcher has seen its exit (or sees it at its next look): it ends at once.
  if (previous_watcher.joinable()) previous_watcher.join();
  try {
    launch(name);
  } catch (...) {
    std::lock_guard lock(mutex_);
    records_.at(name).launching = false;
    throw;
  }
}

void Environment::launch(const std::string& name) {
  const auto [out, err] = log_pipes(name);
  try {
    backend_->start(name, out, err);
  } catch (const std::exception& e) {
    close(out);
    close(err);
    throw StartError("service " + name + " cannot start: " + e.what());
  }
  close(out);
  close(err);
  const ServiceSpec& spec = project_.services.at(name);
  change_state(name, spec.healthcheck ? ServiceState::starting : ServiceState::running, "", [&](ServiceRecord& r) {
    r.launching = false;
    ++r.generation;
    r.status.exit_status.reset();
    r.status.paused = false;
    r.status.health_output.clear();
    // The watcher starts after this report (report_mutex_ is held), so that its first verdict
    // follows it; down() joins it unless it is already going down.
    if (spec.healthcheck && !stopping_ && !backend_->checks_health()) {
      r.health = std::thread([this, name, check = *spec.healthcheck, generation = r.generation] {
        watch_health(name, check, generation);
      });
    }
    return true;
  });
  std::optional<int> early_exit;
  std::optional<std::pair<bool, std::string>> early_health;
  {
    std::lock_guard lock(mutex_);
    early_exit = std::exchange(records_.at(name).early_exit, std::nullopt);
    early_health = std::exchange(records_.at(name).early_health, std::nullopt);
  }
  if (early_health && !early_exit) on_health(name, early_health->first, early_health->second);
  if (early_exit) on_exit(name, *early_exit);
}

uint64_t Environment::running_generation(const std::string& service) {
  std::lock_guard lock(mutex_);
  const ServiceRecord& r = record(service);
  if (!is_running(r.status.state)) throw std::runtime_error("service " + service + " is not running");
  return r.generation;
}

void Environment::await_exit(const std::string& service, uint64_t generation) {
  std::unique_lock lock(mutex_);
  const ServiceRecord& r = records_.at(service);
  const bool exited = changed_.wait_for(lock, kExitWait, [&] {
    return r.generation != generation || r.status.state == ServiceState::exited;
  });
  if (!exited) throw std::runtime_error("service " + service + " did not exit within " + seconds(kExitWait) + " of SIGKILL");
}

void Environment::kill(const std::string& service) {
  const uint64_t generation = running_generation(service);
  backend_->kill(service);
  await_exit(service, generation);
}

void Environment::stop(const std::string& service, Duration grace) {
  const uint64_t generation = running_generation(service);
  backend_->stop(service, grace);
  await_exit(service, generation);
}

void Environment::pause(const std::string& service) {
  const uint64_t generation = running_generation(service);
  backend_->pause(service);
  std::lock_guard lock(mutex_);
  ServiceRecord& r = records_.at(service);
  if (r.generation == generation && is_running(r.status.state)) r.status.paused = true;
}

void Environment::resume(const std::string& service) {
  const uint64_t generation = running_generation(service);
  backend_->resume(service);
  std::lock_guard lock(mutex_);
  ServiceRecord& r = records_.at(service);
  if (r.generation == generation) r.status.paused = false;
}

void Environment::set_network(const NetworkConditions& conditions) {
  if (!backend_) throw std::runtime_error("no backend attached");
  backend_->set_network(conditions);
}

void Environment::set_clock_offset(const std::string& service, Duration offset) {
  if (!backend_) throw std::runtime_error("no backend attached");
  backend_->set_clock_offset(service, offset);
}

std::string Environment::clock_unreachable(const std::string& service) const {
  if (!backend_) throw std::runtime_error("no backend attached");
  return backend_->clock_unreachable(service);
}

void Environment::wait_for_dependency(const std::string& service, const Dependency& dependency,
                                      Clock::time_point deadline) {
  const std::string& other = dependency.service;
  const bool has_check = project_.services.at(other).healthcheck.has_value();
  if (dependency.condition == DependCondition::healthy && !has_check) {
    throw StartError("service " + service + " depends on " + other + " being healthy, but " + other +
                     " has no healthcheck");
  }
  std::unique_lock lock(mutex_);
  const auto settled = [&] {
    const ServiceStatus& s = records_.at(other).status;
    switch (dependency.condition) {
      case DependCondition::started: return s.state != ServiceState::created;
      case DependCondition::healthy:
        return s.state == ServiceState::healthy || s.state == ServiceState::unhealthy || s.state == ServiceState::exited;
      case DependCondition::completed_successfully: return s.state == ServiceState::exited;
    }
    return true;
  };
  const bool in_time = changed_.wait_until(lock, deadline, [&] { return stopping_ || settled(); });
  const ServiceStatus s = records_.at(other).status;
  const bool stopped = stopping_;
  lock.unlock();
  if (stopped) throw StartError("stopped while " + service + " waited for " + other);
  const std::string output = s.health_output.empty() ? "" : "; its last health check said: " + s.health_output;
  if (!in_time) {
    throw StartError("service " + service + " waited in vain for " + other + " to become " +
                     (dependency.condition == DependCondition::healthy ? "healthy" : "complete") + output);
  }
  if (dependency.condition == DependCondition::healthy && s.state != ServiceState::healthy) {
    throw StartError("service " + service + " depends on " + other + " being healthy, but " + other +
                     (s.state == ServiceState::exited ? " exited with status " + std::to_string(s.exit_status.value_or(-1))
                                                      : " is unhealthy") +
                     output);
  }
  if (dependency.condition == DependCondition::completed_successfully && s.exit_status.value_or(-1) != 0) {
    throw StartError("service " + service + " depends on " + other + " completing successfully, but it exited with status " +
                     std::to_string(s.exit_status.value_or(-1)));
  }
}

bool Environment::wait_until_ready(const std::string& service, Duration timeout) {
  const bool has_check = project_.services.at(service).healthcheck.has_value();
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] {
    const ServiceState state = records_.at(service).status.state;
    return state == ServiceState::healthy || state == ServiceState::unhealthy || state == ServiceState::exited ||
           (!has_check && state == ServiceState::running);
  });
  const ServiceState state = records_.at(service).status.state;
  return state == ServiceState::healthy || (!has_check && state == ServiceState::running);
}

// Compose's health semantics: unhealthy after `retries` failures in a row; failures during
// start_period do not count. Until the first success, faultline probes every 100 ms so that
// dependants start as soon as possible; a service that has never been healthy becomes unhealthy
// once start_period + retries x interval have passed. A watcher judges one run of the service
// (`generation`) and ends with it.
void Environment::watch_health(const std::string& service, HealthCheck check, uint64_t generation) {
  const auto started = Clock::now();
  const auto give_up = started + check.start_period + check.interval * check.retries;
  bool ever_healthy = false;
  int failures = 0;
  const auto over = [&] {
    const ServiceRecord& r = records_.at(service);
    return stopping_ || r.generation != generation || r.status.state == ServiceState::exited;
  };
  // A verdict counts for this run only: the run may have ended while its probe ran.
  const auto verdict = [&](ServiceState state, const std::string& detail) {
    change_state(service, state, detail, [&](ServiceRecord& r) {
      return r.generation == generation && r.status.state != ServiceState::exited;
    });
  };
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (over()) return;
    }
    ExecResult probe;
    try {
      probe = run_in_service(*backend_, service, check.argv, check.timeout);
    } catch (const std::exception& e) {
      probe.status = -1;
      probe.output = e.what();
    }
    const bool ok = !probe.timed_out && probe.status == 0;
    std::string output = probe.output;
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    if (probe.timed_out) output += (output.empty() ? "" : "\n") + std::string("(timed out after ") + seconds(check.timeout) + ")";
    {
      std::lock_guard lock(mutex_);
      ServiceRecord& r = records_.at(service);
      if (r.generation == generation) r.status.health_output = output;
    }
    if (ok) {
      failures = 0;
      ever_healthy = true;
      verdict(ServiceState::healthy, "");
    } else if (ever_healthy) {
      if (Clock::now() > started + check.start_period && ++failures >= check.retries) {
        verdict(ServiceState::unhealthy, output);
      }
    } else if (Clock::now() >= give_up) {
      verdict(ServiceState::unhealthy, output);
    }
    const Duration pause = ever_healthy ? check.interval : std::min(check.interval, kStartingProbeInterval);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, pause, over);
  }
}

void Environment::read_logs() {
  std::map<int, std::string> partial;
  for (;;) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}};
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && log_fds_.empty()) return;
      for (const auto& [fd, source] : log_fds_) fds.push_back({fd, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 500) < 0) continue;
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int fd = fds[i].fd;
      std::pair<std::string, const char*> source;
      {
        std::lock_guard lock(mutex_);
        source = log_fds_.at(fd);
      }
      char buffer[8192];
      const ssize_t n = read(fd, buffer, sizeof buffer);
      std::string& pending = partial[fd];
      if (n > 0) pending.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        if (observer_) observer_->on_output(source.first, source.second, pending.substr(0, newline));
        pending.erase(0, newline + 1);
      }
      if (n <= 0) {
        if (!pending.empty() && observer_) observer_->on_output(source.first, source.second, pending);
        partial.erase(fd);
        close(fd);
        std::lock_guard lock(mutex_);
        log_fds_.erase(fd);
      }
    }
  }
}

void Environment::down(Duration grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (backend_) {
    // Dependants first, as compose stops them.
    for (auto it = project_.start_order.rbegin(); it != project_.start_order.rend(); ++it) {
      const ServiceState state = status(*it).state;
      if (state == ServiceState::created || state == ServiceState::exited) continue;
      // One service that cannot be stopped must not keep the others up: destroy() ends them all.
      try {
        if (grace.count() > 0) {
          backend_->stop(*it, grace);
        } else {
          backend_->kill(*it);
        }
      } catch (const std::exception&) {
      }
    }
  }
  std::vector<std::thread> health;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, r] : records_) health.push_back(std::move(r.health));
  }
  for (std::thread& t : health) {
    if (t.joinable()) t.join();
  }
  if (backend_) {
    try {
      backend_->destroy();
    } catch (const std::exception&) {
      // destroy() is each backend's last word on its resources; the log thread must end still.
    }
  }
  const ssize_t ignored = write(wake_pipe_[1], "w", 1);
  (void)ignored;
  if (log_thread_.joinable()) log_thread_.join();
}

}  // namespace faultline::env
