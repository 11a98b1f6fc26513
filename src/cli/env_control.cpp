#include "env_control.h"

#include <poll.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "env/local/protocol.h"

namespace faultline::cli {
namespace {

// How long the server waits for a connected client's request, and for it to take the reply.
constexpr time_t kRequestSeconds = 5;

sockaddr_un address_of(const std::string& project, socklen_t* length) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = "faultline-env/" + project;  // abstract: leading NUL
  const size_t size = std::min(name.size(), sizeof address.sun_path - 1);
  std::memcpy(address.sun_path + 1, name.data(), size);
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + size);
  return address;
}

}  // namespace

EnvControlServer::EnvControlServer(const std::string& project, Handler handler) : handler_(std::move(handler)) {
  listener_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  socklen_t length;
  const sockaddr_un address = address_of(project, &length);
  if (bind(listener_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    const int err = errno;
    close(listener_);
    if (err == EADDRINUSE) throw std::runtime_error("an environment named \"" + project + "\" is already up");
    throw std::runtime_error(std::string("control socket: ") + std::strerror(err));
  }
  listen(listener_, 16);
  thread_ = std::thread([this] { serve(); });
}

EnvControlServer::~EnvControlServer() {
  stop_ = true;
  shutdown(listener_, SHUT_RDWR);
  thread_.join();
  close(listener_);
}

void EnvControlServer::serve() {
  while (!stop_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    const int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    // Only this user (or root) may enter the environment.
    ucred peer{};
    socklen_t size = sizeof peer;
    if (getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        (peer.uid != geteuid() && peer.uid != 0)) {
      close(connection);
      continue;
    }
    // A client that connects and sends nothing must not hold every later one back.
    const timeval patience{kRequestSeconds, 0};
    setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
    nlohmann::json request;
    std::vector<int> received;
    if (env::local::receive_message(connection, &request, &received)) {
      for (int fd : received) close(fd);
      std::vector<int> fds;
      nlohmann::json reply;
      try {
        reply = handler_(request, &fds);
      } catch (const std::exception& e) {
        reply = {{"error", e.what()}};
      }
      env::local::send_message(connection, reply, fds);
      for (int fd : fds) close(fd);
    }
    close(connection);
  }
}

nlohmann::json env_control_request(const std::string& project, const nlohmann::json& request, std::vector<int>* fds) {
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  socklen_t length;
  const sockaddr_un address = address_of(project, &length);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    close(fd);
    throw std::runtime_error("no environment named \"" + project + "\" is up (start it with `faultline env up`)");
  }
  env::local::send_message(fd, request);
  nlohmann::json reply;
  const bool ok = env::local::receive_message(fd, &reply, fds);
  close(fd);
  if (!ok) throw std::runtime_error("the environment did not answer");
  if (reply.contains("error")) throw std::runtime_error(reply["error"].get<std::string>());
  return reply;
}

}  // namespace faultline::cli
