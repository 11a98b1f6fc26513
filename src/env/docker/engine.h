// The Docker Engine API over its Unix socket (libcurl, nlohmann-json), as the Docker backend and
// its reaper use it: JSON requests, and the streams the daemon holds open (events, attach, exec).
// Podman's Docker-compatible service answers the same calls.
#ifndef FAULTLINE_SRC_ENV_DOCKER_ENGINE_H_
#define FAULTLINE_SRC_ENV_DOCKER_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace faultline::env::docker {

// A call the daemon refused or could not be made. `status` is the HTTP status (0: no answer);
// what() names the call and carries the daemon's own message.
class DockerError : public std::runtime_error {
 public:
  DockerError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Where the daemon listens: DOCKER_HOST (only unix:// is supported), else /var/run/docker.sock.
// Throws DockerError for another scheme, naming it.
std::string socket_from_environment();

// Lets a streaming call be ended from another thread (teardown), at once.
class CancelToken {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Makes the token usable for another stream (none may be waiting on it).
  void reset() { cancelled_ = false; }

 private:
  friend class Engine;
  void attach(void* multi);  // the CURLM a stream waits in (null: none), to wake it

  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;  // keeps multi_ alive while cancel wakes it
  void* multi_ = nullptr;
};

// Splits the multiplexed stream of a container without a terminal (attach, exec): frames of an
// 8-byte header (stream 1 stdout, 2 stderr; big-endian length) and their payload.
class StreamDemux {
 public:
  using Sink = std::function<void(int stream, const char* data, size_t size)>;
  explicit StreamDemux(Sink sink) : sink_(std::move(sink)) {}
  void feed(const char* data, size_t size);

 private:
  Sink sink_;
  unsigned char header_[8] = {};
  size_t header_filled_ = 0;
  size_t payload_left_ = 0;
  int stream_ = 1;
};

class Engine {
 public:
  // Connects to nothing yet: every call opens its own connection to `socket_path`.
  explicit Engine(std::string socket_path);

  // The API version both sides speak: the daemon's, capped at the newest faultline knows. Asked
  // once. Throws DockerError when nothing answers at the socket (naming it and DOCKER_HOST), or for
  // a daemon older than API 1.40.
  const std::string& api_version();

  // One request; `body` null sends none. Returns the parsed answer (null when it had none).
  // Throws DockerError for a status >= 300 (the daemon's "message" in it) or no answer in time.
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // A request whose answer is a stream: `on_data` gets it chunk by chunk until the daemon ends it,
  // `cancel` is cancelled, or `on_data` returns false. `on_open` (may be null) is called once the
  // answer's headers have come, i.e. once the daemon is streaming. Throws DockerError as call does
  // (a cancelled stream returns normally).
  void stream(const std::string& method, const std::string& path, const nlohmann::json& body,
              const std::function<bool(const char*, size_t)>& on_data, const std::function<void()>& on_open,
              CancelToken* cancel);

  const std::string& socket_path() const { return socket_path_; }

  // Imports a root filesystem (a tar archive) as image `repository`:`tag`. Throws DockerError with
  // the daemon's reason.
  void import_image(const std::string& tarball, const std::string& repository, const std::string& tag);

  // Typed calls used by more than one caller. Ids are the daemon's.
  // Ids of the containers/networks/volumes carrying `label` ("key" or "key=value"); all
  // containers, not only running ones.
  std::vector<std::string> containers_with_label(const std::string& label);
  std::vector<std::string> networks_with_label(const std::string& label);
  std::vector<std::string> volumes_with_label(const std::string& label);
  // Removes, ignoring what is already gone (404); containers are killed first and lose their
  // anonymous volumes.
  void remove_container(const std::string& id);
  void remove_network(const std::string& id);
  void remove_volume(const std::string& name);
  // Removes every container, then network, then volume carrying `label`; returns how many things
  // it removed. Goes on past a failure and throws the first one at the end.
  int remove_labeled(const std::string& label);

 private:
  std::string url(const std::string& path);

  std::string socket_path_;
  std::string version_;
};

// `text` with what a URL's query cannot carry percent-encoded.
std::string url_encode(const std::string& text);

}  // namespace faultline::env::docker

#endif  // FAULTLINE_SRC_ENV_DOCKER_ENGINE_H_
