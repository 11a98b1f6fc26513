// Which backend runs a project, and making it for an environment: the one place that knows every
// backend, so that the run and `faultline env` choose alike.
#ifndef FAULTLINE_SRC_ENV_BACKENDS_H_
#define FAULTLINE_SRC_ENV_BACKENDS_H_

#include <string>

#include "compose.h"
#include "environment.h"

namespace faultline::env {

enum class BackendKind { local, docker };

const char* to_string(BackendKind kind);

// The backend asked for: `chosen` ("local" or "docker", as --backend gives it) when not empty,
// else the project's x-faultline.backend, else local. Throws ConfigError naming the field, or
// std::invalid_argument for an unknown `chosen`.
BackendKind choose_backend(const Project& project, const std::string& chosen);

// Throws ConfigError naming what `kind` cannot run in `project` (the local backend: a service
// without a command), before anything is started.
void check_project_for(const Project& project, BackendKind kind);

// Makes the backend of `kind` for the environment's project, wired to its exit (and health)
// reports, and attaches it. Throws std::runtime_error from the backend (no daemon, no image...).
void attach_backend(Environment& environment, BackendKind kind);

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_BACKENDS_H_
