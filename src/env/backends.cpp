#include "backends.h"

#include <stdexcept>

#include "docker/docker_backend.h"
#include "local/local_backend.h"

namespace faultline::env {

const char* to_string(BackendKind kind) { return kind == BackendKind::docker ? "docker" : "local"; }

namespace {
std::optional<BackendKind> kind_named(const std::string& name) {
  if (name == "local") return BackendKind::local;
  if (name == "docker") return BackendKind::docker;
  return std::nullopt;
}
}  // namespace

BackendKind choose_backend(const Project& project, const std::string& chosen) {
  if (!chosen.empty()) {
    if (auto kind = kind_named(chosen)) return *kind;
    throw std::invalid_argument("--backend: expected local or docker, not \"" + chosen + "\"");
  }
  if (!project.x_faultline || !project.x_faultline->is_map()) return BackendKind::local;
  const YamlPtr backend = project.x_faultline->get("backend");
  if (!backend) return BackendKind::local;
  if (backend->is_scalar()) {
    if (auto kind = kind_named(backend->scalar)) return *kind;
  }
  throw ConfigError(backend->mark, "x-faultline.backend",
                    "expected local or docker" + (backend->is_scalar() ? ", not \"" + backend->scalar + "\"" : ""));
}

void check_project_for(const Project& project, BackendKind kind) {
  if (kind == BackendKind::local) require_local_commands(project);
}

void attach_backend(Environment& environment, BackendKind kind) {
  const auto on_exit = [&environment](const std::string& service, int status) { environment.on_exit(service, status); };
  if (kind == BackendKind::docker) {
    environment.attach(docker::make_docker_backend(
        environment.project(), on_exit, [&environment](const std::string& service, bool healthy, const std::string& output) {
          environment.on_health(service, healthy, output);
        }));
  } else {
    environment.attach(local::make_local_backend(environment.project(), on_exit));
  }
}

}  // namespace faultline::env
