// How an environment's services run: the one interface between faultline and a backend (local
// namespaces today; Docker and Kubernetes later). It knows services, not test commands or faults:
// those are built on top of it.
#ifndef FAULTLINE_SRC_ENV_BACKEND_H_
#define FAULTLINE_SRC_ENV_BACKEND_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
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

// The network conditions wanted in an environment, as a whole (a fault injector's view of what is
// in force now). Default-constructed: every service reaches every other as normal.
struct NetworkConditions {
  // Packets from any service in `from` to any service in `to` are dropped, silently (the sender
  // sees no error, as when a cable is cut). One direction: add the reverse for both ways. A TCP
  // connection needs both directions: a cut a -> b also ends connections that b opens to a.
  struct Cut {
    std::vector<std::string> from{}, to{};
  };
  // Packets from `from` to `to` are dropped with probability `percent`/100 (one direction).
  struct Loss {
    std::string from, to;
    int percent = 0;
  };
  // Packets that `service` sends wait `mean` +- `jitter` (uniform) before they leave.
  struct Delay {
    std::string service;
    Duration mean{0}, jitter{0};
  };
  // What `service` sends is limited to `bits_per_second`.
  struct Bandwidth {
    std::string service;
    uint64_t bits_per_second = 0;
  };
  // Initialized so that designated initializers may leave any out without a warning.
  std::vector<Cut> cuts{};
  std::vector<Loss> losses{};
  std::vector<Delay> delays{};
  std::vector<Bandwidth> bandwidths{};

  // Whether nothing is asked for (every service reaches every other as normal).
  bool empty() const { return cuts.empty() && losses.empty() && delays.empty() && bandwidths.empty(); }
};

// Throws std::runtime_error naming the first thing wrong in `conditions` (a service that is not
// in `services`, a percentage outside 0-100, a jitter above its mean, two delays for one service,
// ...), for backends to check what they are asked before they apply any of it.
void check_network_conditions(const NetworkConditions& conditions, const std::set<std::string>& services);

class Backend {
 public:
  // Called (from a backend thread) when a service's main process ends.
  using ExitCallback = std::function<void(const std::string& service, int status)>;
  // Called (from a backend thread) by a backend that runs health checks itself (checks_health):
  // the service's health check passed (healthy) or failed its last retry; `output` is the check's.
  using HealthCallback = std::function<void(const std::string& service, bool healthy, const std::string& output)>;

  virtual ~Backend() = default;

  // Starts a service of the project; its main process's stdout and stderr go to the given
  // descriptors (the backend keeps copies). A service that has exited can be started again: it
  // keeps its volumes and its whole writable layer (/tmp and /run included), as a restarted
  // container does. Throws std::runtime_error with the reason (e.g. it is running).
  virtual void start(const std::string& service, int stdout_fd, int stderr_fd) = 0;
  // Starts a command inside a running service.
  virtual std::unique_ptr<RunningProcess> exec(const std::string& service, const ExecRequest& request) = 0;
  // Asks the main process to end (SIGTERM); kills the service when it has not ended after `grace`.
  virtual void stop(const std::string& service, Duration grace) = 0;
  // Kills every process of the service at once.
  virtual void kill(const std::string& service) = 0;
  // Freezes every process of the service (SIGSTOP); returns once they are stopped, so that the
  // service answers nothing from then on. Throws std::runtime_error when it does not run.
  virtual void pause(const std::string& service) = 0;
  // Thaws what pause froze; returns once every process of the service is continued.
  virtual void resume(const std::string& service) = 0;
  // Puts `conditions` in force in place of whatever was, for all services at once (services
  // started later get their share as they start); an empty one heals. Returns once they are in
  // force. Throws std::runtime_error naming what could not be applied (e.g. a kernel without a
  // feature), and then leaves the conditions that were in force before.
  virtual void set_network(const NetworkConditions& conditions) = 0;
  // Makes the wall clock of every process of `service` run `offset` ahead of this machine's
  // (negative: behind; 0: right again) from its next read of the clock on. Monotonic clocks are
  // left alone: a clock fault is a jump of the wall clock, and a monotonic clock that goes back
  // breaks programs as no real machine does. The offset belongs to the service's machine, not to
  // one run: a service started again keeps it until it is set to 0, as a machine whose clock is
  // wrong stays wrong when a program on it restarts. Throws std::runtime_error when the service
  // was not made with clock_control (or the backend cannot shift clocks), or does not run.
  virtual void set_clock_offset(const std::string& service, Duration offset) = 0;
  // Why a clock fault cannot reach the program that `service` starts, for the runner to say so
  // rather than to inject a fault that changes nothing: e.g. "/usr/bin/etcd is a Go program,
  // which reads the clock without libc", "... a statically linked program ...", "clock_control
  // is off"; "" when it can. Judges the program only: what a script or a shell starts later is
  // not looked at. Works whether the service runs or not.
  virtual std::string clock_unreachable(const std::string& service) const = 0;
  // The service's address on the environment's network.
  virtual std::string address(const std::string& service) const = 0;
  // Ends every process and removes everything the backend made. Safe to call twice.
  virtual void destroy() = 0;
  // Whether the backend runs the services' health checks itself and reports verdicts through its
  // HealthCallback (a container engine's own health status), rather than the environment running
  // them with exec.
  virtual bool checks_health() const { return false; }
};

// Runs `argv` in a service to its end (or `timeout`, then kills it) and collects its output.
ExecResult run_in_service(Backend& backend, const std::string& service, const std::vector<std::string>& argv,
                          Duration timeout, const std::map<std::string, std::string>& environment = {});

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_BACKEND_H_
