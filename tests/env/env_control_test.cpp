// The control socket of `env up`: whatever a client sends, or does not send, the server answers the
// next one; a request of the wrong shape gets an error reply.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>

#include "cli/env_control.h"
#include "env/local/protocol.h"

namespace faultline::cli {
namespace {

// Connects to the server's abstract socket as a client that may then misbehave.
int connect_raw(const std::string& project) {
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = "faultline-env/" + project;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&address), length), 0);
  return fd;
}

const std::string kProject = "control-test-" + std::to_string(getpid());

// The real handler's first step: an op it knows, else an error.
nlohmann::json handle(const nlohmann::json& request, std::vector<int>*) {
  if (request.value("op", "") != "ps") throw std::runtime_error("unknown request");
  return {{"services", nlohmann::json::array()}};
}

TEST(EnvControl, ASilentClientHoldsNoOtherBackForLong) {
  EnvControlServer server(kProject, handle);
  const int silent = connect_raw(kProject);
  const auto started = std::chrono::steady_clock::now();
  auto answered = std::async(std::launch::async, [] {
    std::vector<int> fds;
    return env_control_request(kProject, {{"op", "ps"}}, &fds);
  });
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(answered.get().contains("services"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  close(silent);
}

TEST(EnvControl, RequestsOfTheWrongShapeGetAnErrorOrNothingAndTheServerGoesOn) {
  EnvControlServer server(kProject, handle);
  for (const std::string& text : {std::string("not json"), std::string("[1, 2]"), std::string(R"({"op": 5})"),
                                  std::string(100000, '[') + std::string(100000, ']'), std::string("\xff\xfe")}) {
    const int fd = connect_raw(kProject);
    ASSERT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
    // SO_RCVTIMEO bounds the wait for a reply the server may not give.
    const timeval patience{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    nlohmann::json reply;
    std::vector<int> fds;
    if (env::local::receive_message(fd, &reply, &fds)) {
      EXPECT_TRUE(reply.contains("error")) << reply.dump();
    }
    close(fd);
  }
  std::vector<int> fds;
  EXPECT_TRUE(env_control_request(kProject, {{"op", "ps"}}, &fds).contains("services"));
}

}  // namespace
}  // namespace faultline::cli
