// The Docker backend on a real daemon ($FAULTLINE_TEST_DOCKER_HOST, which the suite's fixture
// sets: tests/support/docker-daemon): compose files of images come up, names resolve, volumes and
// writable layers outlive a kill, health checks gate depends_on, faults reach real traffic, and
// nothing is left on the daemon afterwards, also when the runner is killed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "env/backends.h"
#include "env/docker/docker_backend.h"
#include "env/docker/engine.h"
#include "env/docker/reaper.h"
#define TCP_PROBE ""  // env_support.h's local fixture, unused here
#include "env_support.h"

namespace faultline::env {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The test image (scripts/docker-images): busybox's applets, httpd and wget among them.
constexpr const char* kServerAndClient = R"(
volumes:
  data: {}
services:
  server:
    image: faultline/busybox:test
    command: ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://localhost:8080/"]
      interval: 500ms
      retries: 20
    volumes:
      - data:/data
  client:
    image: faultline/busybox:test
    depends_on:
      server: {condition: service_healthy}
)";

std::string test_socket() {
  const char* host = std::getenv("FAULTLINE_TEST_DOCKER_HOST");
  if (host == nullptr || std::string(host).rfind("unix://", 0) != 0) return "";
  return std::string(host).substr(7);
}

std::string unique_project() {
  std::random_device device;
  return "fltest" + std::to_string(device() % 1000000);
}

class DockerBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = test_socket();
    if (socket_.empty()) {
      GTEST_SKIP() << "FAULTLINE_TEST_DOCKER_HOST (unix://...) names no Docker daemon";
    }
    setenv("DOCKER_HOST", ("unix://" + socket_).c_str(), 1);
    setenv("FAULTLINE_DOCKER_REAPER", REAPER_PROGRAM, 1);
    setenv("FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT, 1);
    name_ = unique_project();
  }
  void TearDown() override {
    if (environment_) environment_->down(Duration(0));
    if (!socket_.empty()) {
      EXPECT_EQ(leftovers(name_), 0) << "things of project " << name_ << " left on the daemon";
    }
  }
  Project project(const std::string& text) {
    std::ofstream(dir_.path() / "compose.yaml") << text;
    Project p = load_project({dir_.path() / "compose.yaml"}, process_environment());
    p.name = name_;
    return p;
  }
  Environment& make(const std::string& text) {
    environment_ = std::make_unique<Environment>(project(text), &observer_);
    Environment* environment = environment_.get();
    docker::DockerBackendOptions options{socket_, fs::path(SANDBOX_AGENT).parent_path()};
    environment_->attach(docker::make_docker_backend(
        environment_->project(), [environment](const std::string& s, int status) { environment->on_exit(s, status); },
        [environment](const std::string& s, bool healthy, const std::string& output) {
          environment->on_health(s, healthy, output);
        },
        options));
    return *environment_;
  }
  ExecResult run(const std::string& service, const std::vector<std::string>& argv, Duration timeout = Duration(15000)) {
    return run_in_service(environment_->backend(), service, argv, timeout);
  }
  bool fetches(const std::string& from, const std::string& url, int seconds = 2) {
    return run(from, {"timeout", std::to_string(seconds), "wget", "-q", "-O", "-", url}).output == "hello\n";
  }
  // Containers, networks and volumes of `project` on the daemon.
  int leftovers(const std::string& project) {
    docker::Engine engine(socket_);
    const std::string label = std::string(docker::kProjectLabel) + "=" + project;
    return static_cast<int>(engine.containers_with_label(label).size() + engine.networks_with_label(label).size() +
                            engine.volumes_with_label(label).size());
  }
  // Waits (bounded) until the daemon holds nothing of `project`.
  bool all_gone(const std::string& project, std::chrono::seconds bound) {
    const auto deadline = Clock::now() + bound;
    while (Clock::now() < deadline) {
      if (leftovers(project) == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling a daemon: no event to await
    }
    return false;
  }

  std::string socket_, name_;
  testing::TempDir dir_;
  RecordingObserver observer_;
  std::unique_ptr<Environment> environment_;
};

TEST_F(DockerBackendTest, AComposeFileOfImagesComesUpWithNamesHealthAndExec) {
  Environment& env = make(kServerAndClient);
  env.up(Duration(60000));
  // depends_on: service_healthy held the client back until Docker's health check passed.
  const auto server_states = observer_.states("server");
  EXPECT_NE(std::find(server_states.begin(), server_states.end(), ServiceState::healthy), server_states.end());
  EXPECT_EQ(env.status("server").state, ServiceState::healthy);
  EXPECT_TRUE(observer_.wait_for_output("server", "serving")) << "the main process's output is streamed";
  EXPECT_TRUE(fetches("client", "http://server:8080/")) << "the service name resolves on the environment's network";
  EXPECT_EQ(run("client", {"sh", "-c", "exit 7"}).status, 7);
  const ExecResult env_exec = run_in_service(env.backend(), "client", {"sh", "-c", "echo $GREETING"}, Duration(10000),
                                             {{"GREETING", "hi"}});
  EXPECT_EQ(env_exec.output, "hi\n");
}

TEST_F(DockerBackendTest, VolumesAndTheWritableLayerOutliveAKill) {
  Environment& env = make(kServerAndClient);
  env.up(Duration(60000));
  ASSERT_EQ(run("server", {"sh", "-c", "echo kept > /data/volume && echo kept > /tmp/layer"}).status, 0);
  const std::string address = env.backend().address("server");
  env.kill("server");
  EXPECT_EQ(env.status("server").state, ServiceState::exited);
  EXPECT_EQ(env.status("server").exit_status, 137);
  EXPECT_FALSE(fetches("client", "http://server:8080/", 1));
  env.start("server");
  ASSERT_TRUE(env.wait_until_ready("server", Duration(30000)));
  EXPECT_EQ(run("server", {"cat", "/data/volume", "/tmp/layer"}).output, "kept\nkept\n");
  EXPECT_EQ(env.backend().address("server"), address) << "a restarted container keeps its address";
  EXPECT_TRUE(fetches("client", "http://server:8080/"));
}

TEST_F(DockerBackendTest, AFailingHealthCheckFailsItsDependents) {
  Environment& env = make(R"(
services:
  sick:
    image: faultline/busybox:test
    healthcheck:
      test: ["CMD", "sh", "-c", "echo not yet; exit 1"]
      interval: 200ms
      retries: 2
  waiter:
    image: faultline/busybox:test
    depends_on:
      sick: {condition: service_healthy}
)");
  try {
    env.up(Duration(30000));
    FAIL() << "up() should fail";
  } catch (const StartError& e) {
    EXPECT_NE(std::string(e.what()).find("sick"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not yet"), std::string::npos) << "the check's output: " << e.what();
  }
  EXPECT_EQ(env.status("waiter").state, ServiceState::created);
}

TEST_F(DockerBackendTest, NetworkFaultsPauseAndStopReachRealTraffic) {
  Environment& env = make(kServerAndClient);
  env.up(Duration(60000));
  ASSERT_TRUE(fetches("client", "http://server:8080/"));

  env.set_network({.cuts = {{{"client"}, {"server"}}}});
  EXPECT_FALSE(fetches("client", "http://server:8080/", 1)) << "a cut client -> server";
  env.set_network({});
  EXPECT_TRUE(fetches("client", "http://server:8080/"));

  env.set_network({.losses = {{"client", "server", 100}}});
  EXPECT_FALSE(fetches("client", "http://server:8080/", 1)) << "all packets lost";
  env.set_network({});

  env.set_network({.delays = {{"server", Duration(400), Duration(0)}}});
  const auto started = Clock::now();
  EXPECT_TRUE(fetches("client", "http://server:8080/", 5));
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(400)) << "the server's packets wait 400 ms";
  env.set_network({});
  const auto healed = Clock::now();
  EXPECT_TRUE(fetches("client", "http://server:8080/"));
  EXPECT_LT(Clock::now() - healed, std::chrono::milliseconds(400));

  env.pause("server");
  EXPECT_TRUE(env.status("server").paused);
  EXPECT_FALSE(fetches("client", "http://server:8080/", 1)) << "a paused server answers nothing";
  env.resume("server");
  EXPECT_TRUE(fetches("client", "http://server:8080/"));

  env.stop("server", Duration(2000));
  EXPECT_EQ(env.status("server").state, ServiceState::exited);
  env.start("server");
  ASSERT_TRUE(env.wait_until_ready("server", Duration(30000)));
  EXPECT_TRUE(fetches("client", "http://server:8080/"));
}

TEST_F(DockerBackendTest, AMissingImageIsNamed) {
  try {
    make("services:\n  a:\n    image: faultline/no-such-image:1\n");
    FAIL() << "the backend should refuse";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("faultline/no-such-image:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pulls nothing"), std::string::npos) << e.what();
  }
}

TEST_F(DockerBackendTest, ARunnerKilledBySigkillLeavesNothing) {
  const Project loaded = project(kServerAndClient);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    try {
      RecordingObserver observer;
      Environment env(loaded, &observer);
      attach_backend(env, BackendKind::docker);
      env.up(Duration(60000));
      const char up = 'u';
      if (write(ready[1], &up, 1) != 1) _exit(2);
      pause();  // until killed
    } catch (...) {
    }
    _exit(1);
  }
  close(ready[1]);
  char up = 0;
  ASSERT_EQ(read(ready[0], &up, 1), 1) << "the child's environment did not come up";
  close(ready[0]);
  EXPECT_GT(leftovers(name_), 0);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_TRUE(all_gone(name_, std::chrono::seconds(60))) << "the reaper removes what the runner made";
}

}  // namespace
}  // namespace faultline::env
