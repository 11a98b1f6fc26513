// Running a program inside a service's namespaces, from outside the sandbox (`exec`).
#ifndef FAULTLINE_SRC_ENV_LOCAL_ENTER_H_
#define FAULTLINE_SRC_ENV_LOCAL_ENTER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "../backend.h"

namespace faultline::env::local {

struct EnterSpec {
  int service_pidfd = -1;  // a pidfd of the service's init: its namespaces are entered
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // KEY=VALUE; PATH is searched for argv[0]
  std::string working_dir;               // empty: /
  uid_t uid = 0;
  gid_t gid = 0;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts the program; throws std::runtime_error when it cannot be started (e.g. not found).
std::unique_ptr<RunningProcess> enter_and_exec(const EnterSpec& spec);

// The files that execvp tries for `program` (argv[0]), in its order: `program` itself when it
// names a path, else `program` in each folder of `path` (a PATH value; an empty folder is ".").
std::vector<std::string> program_candidates(const std::string& program, const std::string& path);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_ENTER_H_
