// Teardown leaves nothing: no process, namespace or mount survives `faultline env up` when it is
// interrupted (SIGINT), terminated (SIGTERM) or killed outright (SIGKILL).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sandbox_support.h"
#include "subprocess.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

// The sandbox agent: the child of `parent` that runs faultline-sandbox.
pid_t find_agent(pid_t parent) {
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(parent) + "/task")) {
    std::istringstream children(read_text(task.path() / "children"));
    pid_t child;
    while (children >> child) {
      std::error_code ec;
      if (fs::read_symlink("/proc/" + std::to_string(child) + "/exe", ec).filename() == "faultline-sandbox") return child;
    }
  }
  return -1;
}

class Teardown : public ::testing::TestWithParam<int> {};

TEST_P(Teardown, LeavesNothingBehind) {
  const int sig = GetParam();
  TempDir dir;
  std::ofstream(dir.path() / "compose.yaml") << R"(
volumes: {data: {}}
services:
  sleeper:
    command: sleep 31337
    volumes: ["data:/data"]
  checked:
    command: sleep 31338
    healthcheck: {test: ["CMD", "true"], interval: 1s}
    depends_on: {sleeper: {condition: service_started}}
)";
  const std::string mounts_before = read_text("/proc/self/mountinfo");
  Child up = start({FAULTLINE_BIN, "env", "up", "-f", (dir.path() / "compose.yaml").string(), "-p",
                    "teardown" + std::to_string(sig)},
                   {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, /*merge_stderr=*/true);
  std::string line;
  do {
    line = read_line(up);
  } while (!line.empty() && line.find("is up") == std::string::npos);
  ASSERT_NE(line.find("is up"), std::string::npos) << "faultline env up did not come up";

  const pid_t agent = find_agent(up.pid);
  ASSERT_GT(agent, 0);
  const std::string user_ns = namespace_of(agent, "user");
  const std::string net_ns = namespace_of(agent, "net");
  const std::string pid_ns = namespace_of(agent, "pid_for_children");
  ASSERT_GE(processes_in("user", user_ns).size(), 3u) << "the agent and two services";
  const int agent_fd = static_cast<int>(syscall(SYS_pidfd_open, agent, 0));
  ASSERT_GE(agent_fd, 0);

  kill(up.pid, sig);
  const int status = wait_for(up);
  EXPECT_EQ(status, sig == SIGKILL ? 128 + SIGKILL : 130);
  // The sandbox's pid 1 ends (and, in ending, takes every process of its namespace with it).
  pollfd pfd{agent_fd, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 10000), 1) << "the sandbox outlived faultline";
  close(agent_fd);

  // faultline's exec carriers entered the sandbox's user namespace from outside its PID namespace:
  // they die of PR_SET_PDEATHSIG, asynchronously.
  await_no_process_in(user_ns);
  EXPECT_TRUE(processes_in("user", user_ns).empty()) << "a process of the sandbox survived";
  EXPECT_TRUE(processes_in("net", net_ns).empty()) << "the sandbox's network survived";
  EXPECT_TRUE(processes_in("pid", pid_ns).empty()) << "a process of the sandbox's PID namespace survived";
  EXPECT_EQ(read_text("/proc/self/mountinfo"), mounts_before) << "mounts changed on the host";
}

// A delay's queue reader is a process of the sandbox like the services: it ends with the sandbox
// when the runner is killed outright.
TEST(TeardownOfNetworkConditions, ARunnerKilledOutrightLeavesNoQueueReader) {
  TempDir dir;
  std::ofstream(dir.path() / "compose.yaml") << "services:\n  slow: {command: sleep 31339}\n";
  Child runner = start({DELAYED_ENVIRONMENT, (dir.path() / "compose.yaml").string(), "slow"}, {}, /*merge_stderr=*/true);
  const std::string line = read_line(runner);
  ASSERT_EQ(line.rfind("up ", 0), 0u) << line;
  const pid_t agent = std::stoi(line.substr(3));
  const std::string user_ns = namespace_of(agent, "user");
  bool reader = false;
  for (pid_t pid : processes_in("user", user_ns)) {
    reader |= read_text("/proc/" + std::to_string(pid) + "/cmdline") == std::string("faultline-sandbox\0delay\0", 24);
  }
  ASSERT_TRUE(reader) << "the delay has its queue reader";

  kill(runner.pid, SIGKILL);
  EXPECT_EQ(wait_for(runner), 128 + SIGKILL);
  EXPECT_TRUE(await_no_process_in(user_ns)) << "a process of the sandbox survived";
}

INSTANTIATE_TEST_SUITE_P(Env, Teardown, ::testing::Values(SIGINT, SIGTERM, SIGKILL),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

}  // namespace
}  // namespace faultline::testing
