// How an environment's services run: the one interface between faultline and a backend (local
// namespaces today; Docker and Kubernetes later). It knows services, not test commands or faults:
// those are built on top of it.
#ifndef FAULTLINE_SRC_ENV_BACKEND_H_
#define FAULTLINE_SRC_ENV_BACKEND_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compose.h"

namespace faultline::env {

// A command to run inside a running service, as `docker exec` does.
struct ExecRequest {
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;  // on top of the service's own
  std::string working_dir;                         // empty: the service's
  int stdin_fd = -1;                               // -1: /dev/null
  int stdout_fd = -1;                              // -1: /dev/null
  int stderr_fd = -1;                              // -1: /dev/null
};

// A command started in a service. Its destructor kills it if it still runs.
class RunningProcess {
 public:
  virtual ~RunningProcess() = default;
  // The exit status (the code, or 128 + signal) once it has ended within `timeout`, else nullopt.
  virtual std::optional<int> wait_for(Duration timeout) = 0;
  // Kills the command and every process of its process group.
  virtual void kill() = 0;
  // The command's pid on this machine.
  virtual pid_t pid() const = 0;
  // A descriptor that becomes readable (poll) when the command has ended, to wait for many at once.
  virtual int exit_fd() const = 0;
};

// What a finished command printed.
struct ExecResult {
  int status = -1;  // exit code, or 128 + signal
  bool timed_out = false;
  std::string output;  // stdout and stderr together, as they came
};

class Backend {
 public:
  // Called (from a backend thread) when a service's main process ends.
  using ExitCallback = std::function<void(const std::string& service, int status)>;

  virtual ~Backend() = default;

  // Starts a service of the project; its main process's stdout and stderr go to the given
  // descriptors (the backend keeps copies). Throws std::runtime_error with the reason.
  virtual void start(const std::string& service, int stdout_fd, int stderr_fd) = 0;
  // Starts a command inside a running service.
  virtual std::unique_ptr<RunningProcess> exec(const std::string& service, const ExecRequest& request) = 0;
  // Asks the main process to end (SIGTERM); kills the service when it has not ended after `grace`.
  virtual void stop(const std::string& service, Duration grace) = 0;
  // Kills every process of the service at once.
  virtual void kill(const std::string& service) = 0;
  // Freezes and thaws every process of the service.
  virtual void pause(const std::string& service) = 0;
  virtual void resume(const std::string& service) = 0;
  // Replaces the service's network rules with an nftables script, applied inside its network
  // namespace. Throws std::runtime_error with nft's message.
  virtual void set_network_rules(const std::string& service, const std::string& nft_script) = 0;
  // The service's address on the environment's network.
  virtual std::string address(const std::string& service) const = 0;
  // Ends every process and removes everything the backend made. Safe to call twice.
  virtual void destroy() = 0;
};

// Runs `argv` in a service to its end (or `timeout`, then kills it) and collects its output.
ExecResult run_in_service(Backend& backend, const std::string& service, const std::vector<std::string>& argv,
                          Duration timeout, const std::map<std::string, std::string>& environment = {});

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_BACKEND_H_
