// The Docker backend: a compose project's services as containers of a Docker daemon (or Podman's
// Docker-compatible service), made from their images as compose would, on one network of the
// environment's own, through the Engine API (engine.h). Everything it makes carries the labels
// of its run, and a reaper process removes it if the runner dies (reaper.h).
#ifndef FAULTLINE_SRC_ENV_DOCKER_DOCKER_BACKEND_H_
#define FAULTLINE_SRC_ENV_DOCKER_DOCKER_BACKEND_H_

#include <filesystem>
#include <memory>
#include <string>

#include "../backend.h"
#include "../compose.h"

namespace faultline::env::docker {

// A container's service, beside the labels of reaper.h that everything the backend makes carries.
inline constexpr const char* kServiceLabel = "faultline.service";

struct DockerBackendOptions {
  std::string socket_path;  // empty: DOCKER_HOST, else /var/run/docker.sock
  // The folder of faultline's helper programs (faultline-sandbox for delays, the reaper); empty:
  // next to this program, else on PATH.
  std::filesystem::path helpers;
};

// Removes what earlier runners of `project` that are gone left behind, makes the environment's
// network and named volumes, and creates a container per service (none started). Throws
// std::runtime_error naming the problem: no daemon at the socket, an image that is not on the
// daemon (nothing is pulled), a refused container.
std::unique_ptr<Backend> make_docker_backend(const Project& project, Backend::ExitCallback on_exit,
                                             Backend::HealthCallback on_health,
                                             const DockerBackendOptions& options = {});

// For the Docker backend, files its images carry that faultline reads on this machine (test
// templates): copies `folder` of each service's image into `into`/<service> and binds that copy
// read-only at `folder`, for every service with an image and no mount at or above `folder`.
// Services whose image has no such folder are left alone. Throws std::runtime_error naming the
// service and image (no daemon, no image).
void bring_image_folders(Project& project, const std::string& folder, const std::filesystem::path& into,
                         const DockerBackendOptions& options = {});

// For a backend made by make_docker_backend: the daemon's socket and the service's container id,
// for `faultline env exec` from another process. Throws std::invalid_argument for another backend.
std::pair<std::string, std::string> container_of(Backend& backend, const std::string& service);

// Runs a command in a container, as the backend's exec does (stdin is not passed on).
std::unique_ptr<RunningProcess> exec_in_container(const std::string& socket_path, const std::string& container,
                                                  const ExecRequest& request);

// For `faultline env down` and the like: removes every container, network and volume of
// `project` (every project: empty) whose runner is gone. Returns how many it removed.
int remove_abandoned(const std::string& project, const DockerBackendOptions& options = {});

}  // namespace faultline::env::docker

#endif  // FAULTLINE_SRC_ENV_DOCKER_DOCKER_BACKEND_H_
