// A service's first process, inside its new namespaces: it builds the service's root file system
// (copy-on-write over the host's), starts the service's command and stays as the service's init.
#ifndef FAULTLINE_SRC_ENV_LOCAL_SERVICE_INIT_H_
#define FAULTLINE_SRC_ENV_LOCAL_SERVICE_INIT_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace faultline::env::local {

struct ServiceMount {
  enum class Kind { bind, tmpfs };
  Kind kind = Kind::bind;
  std::string source;  // for bind: a path as the sandbox sees it
  std::string target;  // absolute, inside the service
  bool read_only = false;
};

// Everything the service init needs, prepared by the sandbox agent.
struct ServiceLaunch {
  std::string name;
  std::string hostname;
  std::string state_dir;  // the service's folder in the sandbox's tmpfs (layers, tmp, run, root, hosts file)
  std::string hosts_file;  // the text of /etc/hosts
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // KEY=VALUE
  std::string working_dir;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<ServiceMount> mounts;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// What the service init writes to its report descriptor once every process of the service is
// stopped (after SIGUSR1) or continued (after SIGUSR2).
inline constexpr char kPausedByte = 'P';
inline constexpr char kResumedByte = 'R';

// Runs as pid 1 of the service's PID namespace and never returns. It waits for a byte on `go_fd`
// (the agent has set up the network by then), builds the root file system, starts the command and
// writes one line to `report_fd`: "OK" or "ERR <reason>". Then it reaps children and forwards
// signals: SIGTERM, SIGINT, SIGHUP and SIGQUIT go to the command; SIGUSR1 stops (SIGSTOP) and
// SIGUSR2 continues (SIGCONT) every process of the service, each acknowledged by one byte on
// `report_fd` (kPausedByte, kResumedByte). When the command exits, every other process of the
// service is killed and the init exits with the command's status (128 + signal for a signal).
[[noreturn]] void run_service_init(const ServiceLaunch& launch, int go_fd, int report_fd);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_SERVICE_INIT_H_
