// A running environment: the services of a compose project, started in dependency order, with
// their health checks, logs and exits watched.
#ifndef FAULTLINE_SRC_ENV_ENVIRONMENT_H_
#define FAULTLINE_SRC_ENV_ENVIRONMENT_H_

#include <chrono>
#include <condition_variable>
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
  std::optional<int> exit_status;
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

  // Starts every service, each once the conditions of its depends_on hold. Throws StartError
  // (naming the service, and the health check's output where one failed) after `timeout`.
  void up(Duration timeout);
  // Stops every service (SIGTERM, then SIGKILL after `grace`) and destroys the backend.
  void down(Duration grace);

  // Runs a command in a service with its stdout and stderr reported to the observer, line by line,
  // under the name `log_source` (e.g. a test command's invocation).
  std::unique_ptr<RunningProcess> exec_logged(const std::string& service, ExecRequest request,
                                              const std::string& log_source);

  ServiceStatus status(const std::string& service) const;
  // Waits until `service` is healthy (or merely running, without a health check); false on
  // failure or timeout.
  bool wait_until_ready(const std::string& service, Duration timeout);

  const Project& project() const { return project_; }
  Backend& backend() { return *backend_; }

 private:
  void start_service(const std::string& name);
  // New stdout and stderr pipes whose read ends the log thread follows as `source`; returns the
  // write ends (the caller closes them once handed over).
  std::pair<int, int> log_pipes(const std::string& source);
  void wait_for_dependency(const std::string& service, const Dependency& dependency,
                           std::chrono::steady_clock::time_point deadline);
  void set_state(const std::string& service, ServiceState state, const std::string& detail = "");
  void read_logs();
  void watch_health(const std::string& service, HealthCheck check);

  Project project_;
  EnvironmentObserver* observer_;
  std::unique_ptr<Backend> backend_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, ServiceStatus> statuses_;
  bool stopping_ = false;
  // Log pipes: read end -> (service, stream).
  std::map<int, std::pair<std::string, const char*>> log_fds_;
  int wake_pipe_[2] = {-1, -1};
  std::thread log_thread_;
  std::vector<std::thread> health_threads_;
};

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_ENVIRONMENT_H_
