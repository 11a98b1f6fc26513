// The local backend: services as process trees of this machine, each in namespaces of its own,
// all inside one sandbox (user, mount, network and PID namespaces) that faultline creates and owns.
// No Docker, no root needed where unprivileged user namespaces are enabled.
#ifndef FAULTLINE_SRC_ENV_LOCAL_LOCAL_BACKEND_H_
#define FAULTLINE_SRC_ENV_LOCAL_LOCAL_BACKEND_H_

#include <filesystem>
#include <memory>
#include <string>

#include "../backend.h"
#include "../compose.h"

namespace faultline::env::local {

struct LocalBackendOptions {
  // The faultline-sandbox executable; empty: next to this program, else on PATH.
  std::filesystem::path agent_path;
};

// What exec needs to enter a running service from another process (`faultline env exec`).
struct ServiceEntry {
  int pidfd = -1;  // owned by the caller when returned by LocalBackend::entry
  std::vector<std::string> environment;
  std::string working_dir;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Creates the sandbox. Throws std::runtime_error (e.g. where user namespaces are disabled, saying
// what to enable).
std::unique_ptr<Backend> make_local_backend(const Project& project, Backend::ExitCallback on_exit,
                                            const LocalBackendOptions& options = {});

// For a backend made by make_local_backend: how to enter `service` (a duplicated pidfd), or
// throws when it does not run.
ServiceEntry local_service_entry(Backend& backend, const std::string& service);

// The sandbox agent's pid on this machine, for tests that check nothing outlives it.
pid_t local_sandbox_pid(Backend& backend);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_LOCAL_BACKEND_H_
