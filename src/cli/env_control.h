// The control socket of a running `faultline env up`, through which `env exec`, `env ps` and
// `env down` reach it from other terminals. An abstract Unix socket: it needs no file and vanishes
// with the process.
#ifndef FAULTLINE_SRC_CLI_ENV_CONTROL_H_
#define FAULTLINE_SRC_CLI_ENV_CONTROL_H_

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace faultline::cli {

// Serves requests on the project's control socket until destroyed.
class EnvControlServer {
 public:
  // Handles one request; returns the reply and may add descriptors to pass (closed after sending).
  using Handler = std::function<nlohmann::json(const nlohmann::json& request, std::vector<int>* fds)>;

  // Throws std::runtime_error when an environment of that name is already up.
  EnvControlServer(const std::string& project, Handler handler);
  ~EnvControlServer();

 private:
  void serve();
  int listener_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Sends one request to the environment `project`; throws std::runtime_error when none is up.
nlohmann::json env_control_request(const std::string& project, const nlohmann::json& request,
                                   std::vector<int>* fds);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_ENV_CONTROL_H_
