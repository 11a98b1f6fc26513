// The local backend with real processes in real namespaces.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <fstream>
#include <iterator>

#include <sys/mount.h>
#include <unistd.h>

#include "env_support.h"

namespace faultline::env {
namespace {

TEST_F(LocalEnvironmentTest, ServicesHaveOwnNamesAddressesAndReachEachOther) {
  std::filesystem::create_directories(dir_.path() / "shared");
  std::ofstream(dir_.path() / "shared" / "file.txt") << "written on the host\n";
  Environment& env = make(R"(
services:
  alpha:
    command: ["tcp_probe", "serve", "7000"]
    volumes: ["./shared:/mnt/shared:ro", "${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
  beta:
    hostname: beta-host
    command: ["tcp_probe", "serve", "7000"]
    volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
)");
  env.up(Duration(20000));
  ASSERT_TRUE(observer_.wait_for_output("alpha", "listening"));
  ASSERT_TRUE(observer_.wait_for_output("beta", "listening"));

  EXPECT_EQ(run("alpha", {"hostname"}).output, "alpha\n");
  EXPECT_EQ(run("beta", {"hostname"}).output, "beta-host\n");
  const std::string alpha_address = env.backend().address("alpha");
  const std::string beta_address = env.backend().address("beta");
  EXPECT_NE(alpha_address, beta_address);
  EXPECT_NE(run("alpha", {"hostname", "-I"}).output.find(alpha_address), std::string::npos);
  EXPECT_NE(run("beta", {"hostname", "-I"}).output.find(beta_address), std::string::npos);

  // Names resolve for every program (through /etc/hosts), and TCP crosses between services.
  const ExecResult to_beta = run("alpha", {"tcp_probe", "connect", "beta-host", "7000", "3000"});
  EXPECT_EQ(to_beta.status, 0) << to_beta.output;
  EXPECT_EQ(to_beta.output, "hello from beta-host #1\n");
  const ExecResult to_alpha = run("beta", {"tcp_probe", "connect", "alpha", "7000", "3000"});
  EXPECT_EQ(to_alpha.output, "hello from alpha #1\n");

  // A bind mount shows the host's file, read-only as asked.
  EXPECT_EQ(run("alpha", {"cat", "/mnt/shared/file.txt"}).output, "written on the host\n");
  EXPECT_NE(run("alpha", {"touch", "/mnt/shared/new"}).status, 0);

  // The host's files are the service's image, copy-on-write: writes never reach the host.
  const ExecResult write = run("alpha", {"/bin/sh", "-c", "echo mine > /usr/local/faultline-cow-probe && cat /usr/local/faultline-cow-probe"});
  EXPECT_EQ(write.output, "mine\n");
  EXPECT_FALSE(std::filesystem::exists("/usr/local/faultline-cow-probe"));

  // Its own PID namespace: faultline's init is pid 1.
  EXPECT_EQ(run("alpha", {"cat", "/proc/1/comm"}).output, "fl:alpha\n");
  // A private /tmp.
  EXPECT_EQ(run("alpha", {"/bin/sh", "-c", "touch /tmp/only-alpha"}).status, 0);
  EXPECT_NE(run("beta", {"test", "-e", "/tmp/only-alpha"}).status, 0);
}

// A host folder with a mount below it, as /var has on a machine running dockerd: the kernel takes
// no such folder as an overlay's lower layer, and the service must still write only its own copy.
TEST_F(LocalEnvironmentTest, AHostFolderWithAMountBelowItIsStillCopyOnWrite) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting below a host folder needs root";
  const std::string tag = "faultline-test-" + std::to_string(getpid());
  const std::filesystem::path mounted = "/srv/" + tag, file = "/srv/" + tag + "-file", added = "/srv/" + tag + "-added";
  std::filesystem::create_directories(mounted);
  ASSERT_EQ(mount("tmpfs", mounted.c_str(), "tmpfs", 0, "size=1m"), 0) << strerror(errno);
  struct Cleanup {
    std::filesystem::path mounted, file;
    ~Cleanup() {
      umount2(mounted.c_str(), MNT_DETACH);
      std::filesystem::remove(mounted);
      std::filesystem::remove(file);
    }
  } cleanup{mounted, file};
  std::ofstream(mounted / "inside.txt") << "on the mount\n";
  std::ofstream(file) << "on the host\n";
  Environment& env = make("services:\n  box:\n    command: sleep 1000\n");
  env.up(Duration(20000));
  ASSERT_TRUE(env.wait_until_ready("box", Duration(20000)));

  // The host's files are there, the mount's too.
  EXPECT_EQ(run("box", {"cat", file.string()}).output, "on the host\n");
  EXPECT_EQ(run("box", {"cat", (mounted / "inside.txt").string()}).output, "on the mount\n");
  // What the service writes, beside them or in the mount, is its own.
  EXPECT_EQ(run("box", {"/bin/sh", "-c", "echo mine > " + added.string() + " && cat " + added.string()}).output, "mine\n");
  EXPECT_FALSE(std::filesystem::exists(added));
  EXPECT_EQ(run("box", {"/bin/sh", "-c", "echo mine > " + (mounted / "new").string() + " && cat " + (mounted / "new").string()}).output,
            "mine\n");
  EXPECT_FALSE(std::filesystem::exists(mounted / "new"));
  // A file of such a folder is shared read-only: the host's copy is never changed.
  EXPECT_NE(run("box", {"/bin/sh", "-c", "echo more >> " + file.string()}).status, 0);
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "on the host\n");
}

TEST_F(LocalEnvironmentTest, PauseResumeAndKill) {
  Environment& env = make("services:\n  worker:\n    command: sleep 1000\n");
  env.up(Duration(20000));
  EXPECT_NE(main_process_state("worker", "S (sleeping)").find("S (sleeping)"), std::string::npos);
  env.pause("worker");
  const std::string paused = main_process_state("worker", "T (stopped)");
  EXPECT_NE(paused.find("T (stopped)"), std::string::npos) << paused;
  env.resume("worker");
  const std::string resumed = main_process_state("worker", "S (sleeping)");
  EXPECT_NE(resumed.find("S (sleeping)"), std::string::npos) << resumed;

  env.kill("worker");
  EXPECT_EQ(observer_.wait_for_state("worker", ServiceState::exited), "137");
  EXPECT_EQ(env.status("worker").exit_status, 137);
  EXPECT_THROW(run("worker", {"true"}), std::runtime_error);
}

// A paused service asked to stop is continued, so that it ends by the signal (as it would
// unpaused), not killed after the grace period.
TEST_F(LocalEnvironmentTest, StopEndsAPausedServiceWithItsSignal) {
  Environment& env = make("services:\n  worker:\n    command: sleep 1000\n");
  env.up(Duration(20000));
  env.pause("worker");
  const std::string paused = main_process_state("worker", "T (stopped)");
  ASSERT_NE(paused.find("T (stopped)"), std::string::npos) << paused;
  env.stop("worker", Duration(30000));
  EXPECT_EQ(observer_.wait_for_state("worker", ServiceState::exited), "143");
  EXPECT_FALSE(env.status("worker").paused);
}

// A command started in a service that is being paused can be stopped before it even runs its
// program: starting it must not wait for that (the runner would hang for as long as the pause
// lasts). Here a service stops everything in it, over and over, as a pause does.
TEST_F(LocalEnvironmentTest, ExecIntoAServiceThatStopsItsProcessesReturns) {
  Environment& env = make("services:\n  freezer:\n    command: [/bin/sh, -c, 'while :; do kill -STOP -1; done']\n");
  env.up(Duration(20000));
  for (int i = 0; i < 20; ++i) {
    ExecRequest request;
    request.argv = {"true"};
    auto started = std::async(std::launch::async, [&] { return env.backend().exec("freezer", request); });
    ASSERT_EQ(started.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "try " << i;
    std::unique_ptr<RunningProcess> process = started.get();
    process->kill();
    EXPECT_TRUE(process->wait_for(Duration(5000)).has_value()) << "try " << i;
  }
}

TEST_F(LocalEnvironmentTest, DependsOnHealthyWaitsForTheCheck) {
  // `first` becomes healthy half a second after it starts; `second` checks at its start that the
  // shared volume already shows first's ready file.
  Environment& env = make(R"(
volumes: {shared: {}}
services:
  first:
    command: ["/bin/sh", "-c", "sleep 0.5; touch /shared/ready; exec sleep 1000"]
    volumes: ["shared:/shared"]
    healthcheck: {test: ["CMD", "test", "-f", "/shared/ready"], interval: 30s}
  second:
    command: ["/bin/sh", "-c", "if test -f /shared/ready; then echo saw first ready; else echo started too early; fi; exec sleep 1000"]
    volumes: ["shared:/shared"]
    depends_on: {first: {condition: service_healthy}}
)");
  env.up(Duration(20000));
  ASSERT_TRUE(observer_.wait_for_output("second", "first ready") || observer_.wait_for_output("second", "early"));
  EXPECT_TRUE(observer_.wait_for_output("second", "saw first ready", Duration(100)));
  EXPECT_EQ(env.status("first").state, ServiceState::healthy);
}

TEST_F(LocalEnvironmentTest, FailingHealthCheckFailsTheStartWithItsOutput) {
  Environment& env = make(R"(
services:
  db:
    command: sleep 1000
    healthcheck: {test: ["CMD-SHELL", "echo database is still recovering; exit 1"], interval: 100ms, retries: 3}
  app:
    command: sleep 1000
    depends_on: {db: {condition: service_healthy}}
)");
  try {
    env.up(Duration(20000));
    FAIL() << "up succeeded";
  } catch (const StartError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("app depends on db being healthy"), std::string::npos) << message;
    EXPECT_NE(message.find("database is still recovering"), std::string::npos) << message;
  }
  EXPECT_EQ(env.status("app").state, ServiceState::created);
}

TEST_F(LocalEnvironmentTest, CompletedSuccessfullyAndExitCodesAreRecorded) {
  Environment& env = make(R"(
services:
  migrate:
    command: ["/bin/sh", "-c", "echo migrating; exit 0"]
  broken:
    command: ["/bin/sh", "-c", "exit 3"]
  app:
    command: ["/bin/sh", "-c", "echo app after migrate; exec sleep 1000"]
    depends_on: {migrate: {condition: service_completed_successfully}}
)");
  env.up(Duration(20000));
  EXPECT_TRUE(observer_.wait_for_output("app", "app after migrate"));
  EXPECT_EQ(observer_.wait_for_state("broken", ServiceState::exited), "3");
  EXPECT_EQ(env.status("migrate").exit_status, 0);
}

TEST_F(LocalEnvironmentTest, MissingProgramFailsTheStartClearly) {
  Environment& env = make("services:\n  ghost:\n    command: /no/such/program --flag\n");
  try {
    env.up(Duration(20000));
    FAIL() << "up succeeded";
  } catch (const StartError& e) {
    EXPECT_NE(std::string(e.what()).find("ghost cannot start: start /no/such/program: No such file"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace faultline::env

namespace faultline::env {
namespace {

TEST_F(LocalEnvironmentTest, ExecPassesEnvironmentCapturesOutputAndHonoursTimeouts) {
  Environment& env = make("services:\n  box:\n    command: sleep 1000\n    environment: {FROM_COMPOSE: compose}\n    working_dir: /etc\n");
  env.up(Duration(20000));
  const ExecResult vars = run_in_service(env.backend(), "box", {"/bin/sh", "-c", "echo $FROM_COMPOSE $EXTRA; pwd; echo oops >&2; exit 7"},
                                         Duration(10000), {{"EXTRA", "extra"}});
  EXPECT_EQ(vars.status, 7);
  EXPECT_EQ(vars.output, "compose extra\n/etc\noops\n");

  const auto t0 = std::chrono::steady_clock::now();
  const ExecResult slow = run_in_service(env.backend(), "box", {"sleep", "30"}, Duration(300));
  EXPECT_TRUE(slow.timed_out);
  EXPECT_EQ(slow.status, 128 + 9);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(run("box", {"/bin/sh", "-c", "ps -e -o comm= | grep -c '^sleep$'"}).output, "1\n")
      << "the timed-out command is gone; only the service's own sleep remains";
}

}  // namespace
}  // namespace faultline::env
