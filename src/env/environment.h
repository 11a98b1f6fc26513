// A running environment: the services of a compose project, started in dependency order, with
// their health checks, logs and exits watched.
#ifndef FAULTLINE_SRC_ENV_ENVIRONMENT_H_
#define FAULTLINE_SRC_ENV_ENVIRONMENT_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend.h"
#include "compose.h"

namespace faultline::env {

enum class ServiceState { created, starting, running, healthy, unhealthy, exited };

const char* to_string(ServiceState state);

struct ServiceStatus {
  ServiceState state = ServiceState::created;
  bool paused = false;              // frozen by Environment::pause, until resume or its exit
  std::optional<int> exit_status;  // of its last run, while it is exited
  std::string health_output;  // the last health check's output
  std::chrono::system_clock::time_point changed_at;
};

// What an environment reports, from its own threads.
class EnvironmentObserver {
 public:
  virtual ~EnvironmentObserver() = default;
  // One line a service's main process wrote ("stdout" or "stderr"), without its newline.
  virtual void on_output(const std::string& service, const char* stream, const std::string& line) = 0;
  // A change of state; `detail` is the exit status, or the failing health check's output.
  virtual void on_state(const std::string& service, ServiceState state, const std::string& detail) = 0;
};

// Thrown by Environment::up when a service cannot start or a dependency's condition fails.
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Environment {
 public:
  // Takes a backend made for `project`. The observer (may be null) must outlive the environment.
  Environment(Project project, EnvironmentObserver* observer);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Gives the environment its backend; the backend's exit callback must call on_exit.
  void attach(std::unique_ptr<Backend> backend);
  // For the backend's exit callback.
  void on_exit(const std::string& service, int status);
  // For the health callback of a backend that checks health itself (Backend::checks_health): a
  // verdict on the service's current run. One that comes while it is launching is reported once
  // the launch is recorded; one after its exit is dropped.
  void on_health(const std::string& service, bool healthy, const std::string& output);

  // Starts every service, each once the conditions of its depends_on hold. Throws StartError
  // (naming the service, and the health check's output where one failed) after `timeout`.
  void up(Duration timeout);
  // Stops every service (SIGTERM, then SIGKILL after `grace`) and destroys the backend.
  void down(Duration grace);

  // Starts a service that is not running: one never started, or one that exited (killed, stopped
  // or ended by itself), which keeps its volumes and its writable layer. Its depends_on are not
  // waited for. It is starting (or running, without a health check) on return, and its health
  // check runs again. Throws StartError when it cannot start (the backend's reason, or the
  // environment is going down), std::runtime_error when it is running.
  void start(const std::string& service);
  // Kills every process of the service at once (SIGKILL); returns once its exit is recorded.
  // These four throw std::runtime_error when the service does not run; none may be called from
  // an observer's callback (the exit they wait for is reported on that thread).
  void kill(const std::string& service);
  // Asks the service's main process to end (SIGTERM; a paused service is continued to receive
  // it), kills the service after `grace`; returns once its exit is recorded.
  void stop(const std::string& service, Duration grace);
  // Freezes every process of the service; on return it answers nothing (status().paused).
  void pause(const std::string& service);
  // Continues a paused service where it was.
  void resume(const std::string& service);
  // Puts network conditions in force in place of those before (Backend::set_network).
  void set_network(const NetworkConditions& conditions);
  // Shifts the service's wall clock by `offset` (0: right again), for every process of it and
  // from their next clock read on (Backend::set_clock_offset: the offset outlives a restart).
  // Throws std::runtime_error when the service has no clock_control or does not run.
  void set_clock_offset(const std::string& service, Duration offset);
  // Why a clock fault cannot reach the service's program, or "" (Backend::clock_unreachable).
  std::string clock_unreachable(const std::string& service) const;

  // Runs a command in a service with its stdout and stderr reported to the observer, line by line,
  // under the name `log_source` (e.g. a test command's invocation).
  std::unique_ptr<RunningProcess> exec_logged(const std::string& service, ExecRequest request,
                                              const std::string& log_source);

  // Throws std::out_of_range for a service not in the project.
  ServiceStatus status(const std::string& service) const;
  // Waits until `service` is healthy (or merely running, without a health check); false on
  // failure or timeout.
  bool wait_until_ready(const std::string& service, Duration timeout);

  const Project& project() const { return project_; }
  Backend& backend() { return *backend_; }

 private:
  // What the environment knows of a service beyond its status.
  struct ServiceRecord {
    ServiceStatus status;
    // Counts the service's starts: a health watcher of an earlier run ends instead of judging
    // this one, however late it looks.
    uint64_t generation = 0;
    bool launching = false;  // start() is under way
    std::optional<int> early_exit;  // an exit that came while launching: the new run's
    std::optional<std::pair<bool, std::string>> early_health;  // a verdict that came while launching
    std::thread health;      // the one watcher of the current run, if it has a health check
  };

  ServiceRecord& record(const std::string& service);
  // The generation of a running service; throws std::runtime_error naming it when it does not run.
  uint64_t running_generation(const std::string& service);
  // Backend start, then starting (or running) and the health watcher; `name` is launching.
  void launch(const std::string& name);
  // Waits (bounded) until the run `generation` of `service` has exited; throws when it has not.
  void await_exit(const std::string& service, uint64_t generation);
  // New stdout and stderr pipes whose read ends the log thread follows as `source`; returns the
  // write ends (the caller closes them once handed over).
  std::pair<int, int> log_pipes(const std::string& source);
  void wait_for_dependency(const std::string& service, const Dependency& dependency,
                           std::chrono::steady_clock::time_point deadline);
  // Moves `service` to `state` if `applies` (called under the lock, first) agrees and it is
  // another state, and reports it; changes are reported in the order they happen.
  void change_state(const std::string& service, ServiceState state, const std::string& detail,
                    const std::function<bool(ServiceRecord&)>& applies);
  void read_logs();
  void watch_health(const std::string& service, HealthCheck check, uint64_t generation);

  Project project_;
  EnvironmentObserver* observer_;
  std::unique_ptr<Backend> backend_;
  std::mutex report_mutex_;  // held from a change of state to the end of its report
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, ServiceRecord> records_;
  bool stopping_ = false;
  // Log pipes: read end -> (service, stream).
  std::map<int, std::pair<std::string, const char*>> log_fds_;
  int wake_pipe_[2] = {-1, -1};
  std::thread log_thread_;
};

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_ENVIRONMENT_H_
