// Services killed, stopped, paused and started again through the Environment, with real
// processes and real traffic.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "env_support.h"

namespace faultline::env {
namespace {

// `keeper` appends a line to a file in /tmp, in /run, in a named volume, in a folder of its root and
// at the top of its root at every start, then serves; its health check is a TCP probe, so "healthy" means this run answers.
constexpr const char* kKeeper = R"(
volumes: {data: {}}
services:
  keeper:
    command: ["/bin/sh", "-c", "mkdir -p /var/lib/x && for f in /tmp/runs /run/runs /data/runs /var/lib/x/runs /runs; do echo run >> $$f; done && exec tcp_probe serve 7000"]
    volumes: ["data:/data", "${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
    healthcheck: {test: ["CMD", "tcp_probe", "connect", "localhost", "7000", "1000"], interval: 30s}
  peer:
    command: sleep 1000
    volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
)";

// Ended with SIGKILL (kill) or SIGTERM (stop), then started again.
class RestartTest : public LocalEnvironmentTest, public ::testing::WithParamInterface<int> {};

TEST_P(RestartTest, ServiceStartsAgainHealthyWithEverythingItWrote) {
  const int sig = GetParam();
  Environment& env = make(kKeeper);
  env.up(Duration(20000));
  ASSERT_TRUE(env.wait_until_ready("keeper", Duration(20000)));
  // The peer knows keeper's address (and MAC) before the restart: it must still reach it after.
  ASSERT_TRUE(answers("peer", "keeper"));

  if (sig == SIGKILL) {
    env.kill("keeper");
  } else {
    env.stop("keeper", Duration(10000));
  }
  ServiceStatus status = env.status("keeper");
  EXPECT_EQ(status.state, ServiceState::exited);
  EXPECT_EQ(status.exit_status, 128 + sig);
  EXPECT_FALSE(answers("peer", "keeper", 300));

  env.start("keeper");
  EXPECT_THROW(env.start("keeper"), std::runtime_error) << "it is running";
  ASSERT_TRUE(env.wait_until_ready("keeper", Duration(20000))) << env.status("keeper").health_output;
  EXPECT_FALSE(env.status("keeper").exit_status.has_value());
  // Its health check ran again and passed again.
  EXPECT_EQ(observer_.states("keeper"), (std::vector<ServiceState>{ServiceState::starting, ServiceState::healthy,
                                                                   ServiceState::exited, ServiceState::starting,
                                                                   ServiceState::healthy}));
  for (const char* file : {"/tmp/runs", "/run/runs", "/data/runs", "/var/lib/x/runs", "/runs"}) {
    EXPECT_EQ(run("keeper", {"cat", file}).output, "run\nrun\n") << file << " kept its first run's line";
  }
  EXPECT_TRUE(answers("peer", "keeper"));
}

INSTANTIATE_TEST_SUITE_P(Env, RestartTest, ::testing::Values(SIGKILL, SIGTERM),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

size_t threads_of_this_process() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                                           std::filesystem::directory_iterator()));
}

// Health watchers of earlier runs end: a service killed and started again many times, as fast as
// it goes, ends healthy with one watcher, and no verdict of an earlier run follows its exit.
TEST_F(LocalEnvironmentTest, QuickRestartsKeepOneHealthWatcher) {
  Environment& env = make(kKeeper);
  env.up(Duration(20000));
  ASSERT_TRUE(env.wait_until_ready("keeper", Duration(20000)));
  const size_t threads = threads_of_this_process();
  constexpr int kRestarts = 5;
  for (int i = 0; i < kRestarts; ++i) {
    env.kill("keeper");
    env.start("keeper");
  }
  ASSERT_TRUE(env.wait_until_ready("keeper", Duration(20000)));
  EXPECT_EQ(threads_of_this_process(), threads) << "one watcher, as before";
  const std::vector<ServiceState> states = observer_.states("keeper");
  EXPECT_EQ(std::count(states.begin(), states.end(), ServiceState::starting), kRestarts + 1);
  EXPECT_EQ(std::count(states.begin(), states.end(), ServiceState::exited), kRestarts);
  for (size_t i = 0; i + 1 < states.size(); ++i) {
    if (states[i] == ServiceState::exited) {
      EXPECT_EQ(states[i + 1], ServiceState::starting) << "state " << i + 1;
    }
  }
  EXPECT_EQ(states.back(), ServiceState::healthy);
}

TEST_F(LocalEnvironmentTest, PausedServiceAnswersNothingUntilResumed) {
  Environment& env = make(R"(
services:
  server:
    command: ["tcp_probe", "serve", "7000"]
    volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
  client:
    command: sleep 1000
    volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
)");
  env.up(Duration(20000));
  ASSERT_TRUE(observer_.wait_for_output("server", "listening"));
  EXPECT_EQ(run("client", {"tcp_probe", "connect", "server", "7000", "1000"}).output, "hello from server #1\n");

  env.pause("server");
  EXPECT_TRUE(env.status("server").paused);
  // The kernel still completes the handshake; the server, stopped, never answers.
  const ExecResult paused = run("client", {"tcp_probe", "connect", "server", "7000", "500"});
  EXPECT_EQ(paused.status, 1);
  EXPECT_NE(paused.output.find("no answer"), std::string::npos) << paused.output;
  EXPECT_EQ(run("client", {"tcp_probe", "udp", "server", "7000", "3", "300"}).output.substr(0, 13), "received 0 of");

  env.resume("server");
  EXPECT_FALSE(env.status("server").paused);
  // The same process goes on where it was: its count of connections did not start again.
  const ExecResult resumed = run("client", {"tcp_probe", "connect", "server", "7000", "1000"});
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const size_t hash = resumed.output.find('#');
  ASSERT_NE(hash, std::string::npos) << resumed.output;
  EXPECT_GE(std::stoi(resumed.output.substr(hash + 1)), 2) << resumed.output;
  EXPECT_EQ(run("client", {"tcp_probe", "udp", "server", "7000", "3", "1000"}).output.substr(0, 13), "received 3 of");
  EXPECT_EQ(env.status("server").state, ServiceState::running);

  // A paused service that is killed is no longer paused.
  env.pause("server");
  env.kill("server");
  EXPECT_FALSE(env.status("server").paused);
  EXPECT_EQ(env.status("server").exit_status, 137);
  EXPECT_THROW(env.pause("server"), std::runtime_error);
  EXPECT_THROW(env.kill("server"), std::runtime_error);
  EXPECT_THROW(env.start("nobody"), std::runtime_error);
}

}  // namespace
}  // namespace faultline::env
