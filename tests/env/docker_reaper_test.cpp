// The Docker reaper: owners (no daemon needed), and against a daemon named by
// FAULTLINE_TEST_DOCKER_HOST=unix://... (tests/support/private-dockerd start DIR prints one): the
// reaper removes what carries its run's label when the runner finishes or is killed, and
// remove_abandoned what dead runners left. Every name here is unique to this test process, and the
// reaper and remove_abandoned only ever touch what carries this test's labels.
#include "env/docker/reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "subprocess.h"

namespace faultline::env::docker {
namespace {

namespace fs = std::filesystem;
using Labels = std::map<std::string, std::string>;

constexpr const char* kImage = "faultline/reaper-test:1";

// The daemon's socket, or empty when the test has none.
std::string test_socket() {
  const char* host = std::getenv("FAULTLINE_TEST_DOCKER_HOST");
  if (host == nullptr || std::string(host).rfind("unix://", 0) != 0) return "";
  return std::string(host).substr(7);
}

#define SKIP_WITHOUT_DAEMON()                                                                              \
  if (test_socket().empty())                                                                               \
  GTEST_SKIP() << "needs a Docker daemon: set FAULTLINE_TEST_DOCKER_HOST=unix://.../docker.sock "          \
                  "(tests/support/private-dockerd start DIR prints one)"

std::string unique(const std::string& what) {
  static int counter = 0;
  return "fl-reaper-test-" + what + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000) + "-" +
         std::to_string(++counter);
}

// Imports a one-file image of busybox-static (no registry needed), once per daemon.
void ensure_image(Engine& engine) {
  try {
    engine.call("GET", "/images/" + std::string(kImage) + "/json");
    return;
  } catch (const DockerError& e) {
    ASSERT_EQ(e.status(), 404) << e.what();
  }
  testing::TempDir dir;
  fs::create_directories(dir.path() / "root/bin");
  fs::copy_file("/bin/busybox", dir.path() / "root/bin/busybox");
  const fs::path tar = dir.path() / "image.tar";
  ASSERT_EQ(testing::run({"tar", "-C", (dir.path() / "root").string(), "-cf", tar.string(), "bin"}, {}), 0);
  std::ifstream in(tar, std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  engine.import_image(body, "faultline/reaper-test", "1");
}

std::string create_network(Engine& engine, const std::string& name, const Labels& labels) {
  return engine.call("POST", "/networks/create", {{"Name", name}, {"Labels", labels}})["Id"];
}

std::string create_volume(Engine& engine, const std::string& name, const Labels& labels) {
  return engine.call("POST", "/volumes/create", {{"Name", name}, {"Labels", labels}})["Name"];
}

// A container of the test image, on `network` with `volume` at /data (either may be empty);
// started (sleeping) with `start`.
std::string create_container(Engine& engine, const std::string& name, const Labels& labels,
                             const std::string& network, const std::string& volume, bool start) {
  nlohmann::json host_config = {{"NetworkMode", network.empty() ? "none" : network}};
  if (!volume.empty()) host_config["Mounts"] = {{{"Type", "volume"}, {"Source", volume}, {"Target", "/data"}}};
  const std::string id = engine.call("POST", "/containers/create?name=" + name,
                                     {{"Image", kImage},
                                      {"Cmd", {"/bin/busybox", "sleep", "600"}},
                                      {"Labels", labels},
                                      {"HostConfig", host_config}})["Id"];
  if (start) engine.call("POST", "/containers/" + id + "/start");
  return id;
}

bool exists(Engine& engine, const std::string& path) {
  try {
    engine.call("GET", path);
    return true;
  } catch (const DockerError& e) {
    if (e.status() == 404) return false;
    throw;
  }
}
bool container_exists(Engine& engine, const std::string& id) { return exists(engine, "/containers/" + id + "/json"); }
bool network_exists(Engine& engine, const std::string& id) { return exists(engine, "/networks/" + id); }
bool volume_exists(Engine& engine, const std::string& name) { return exists(engine, "/volumes/" + name); }

size_t labeled_count(Engine& engine, const std::string& label) {
  return engine.containers_with_label(label).size() + engine.networks_with_label(label).size() +
         engine.volumes_with_label(label).size();
}

// A child that has exited and been reaped, as an owner: a process that existed, and is gone.
std::string dead_owner() {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string owner = owner_of_this_process();
    [[maybe_unused]] const ssize_t n = write(fds[1], owner.data(), owner.size());
    _exit(0);
  }
  close(fds[1]);
  std::string owner;
  char buffer[256];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) owner.append(buffer, static_cast<size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return owner;
}

// ---- owners: no daemon needed ----

TEST(DockerOwner, ThisProcessIsAlive) {
  const std::string owner = owner_of_this_process();
  EXPECT_NE(owner.find(":" + std::to_string(getpid()) + ":"), std::string::npos) << owner;
  EXPECT_TRUE(owner_alive(owner)) << owner;
}

TEST(DockerOwner, AReapedChildIsDead) {
  const std::string owner = dead_owner();
  ASSERT_FALSE(owner.empty());
  EXPECT_FALSE(owner_alive(owner)) << owner;
}

TEST(DockerOwner, AZombieIsDead) {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  // Its owner string, read while it runs, as it would have labeled its things.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field, start_time;
  for (int number = 3; number <= 22 && fields >> field; ++number) start_time = field;
  const std::string self = owner_of_this_process();
  const std::string boot = self.substr(0, self.find(':'));
  const std::string owner = boot + ":" + std::to_string(pid) + ":" + start_time;
  EXPECT_TRUE(owner_alive(owner)) << owner;
  kill(pid, SIGKILL);
  // Not reaped yet: a zombie, and its things are abandoned all the same.
  siginfo_t info;
  waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  EXPECT_FALSE(owner_alive(owner)) << owner;
  waitpid(pid, nullptr, 0);
}

TEST(DockerOwner, AReusedPidWithAnotherStartTimeIsDead) {
  const std::string self = owner_of_this_process();
  const size_t last = self.rfind(':');
  const unsigned long long start_time = std::stoull(self.substr(last + 1));
  EXPECT_FALSE(owner_alive(self.substr(0, last + 1) + std::to_string(start_time + 1)));
}

TEST(DockerOwner, AnotherBootIsDead) {
  const std::string self = owner_of_this_process();
  EXPECT_FALSE(owner_alive("00000000-0000-0000-0000-000000000000" + self.substr(self.find(':'))));
}

TEST(DockerOwner, MalformedIsNotAlive) {
  const std::string self = owner_of_this_process();
  const std::string boot = self.substr(0, self.find(':'));
  const std::string pid = std::to_string(getpid());
  for (const std::string& owner : {std::string(), std::string("x"), std::string("::"), boot + ":" + pid,
                                   boot + ":" + pid + ":", boot + ":" + pid + ":x", boot + ":-1:5",
                                   boot + ":" + pid + ":1:2", boot + ":../self:1", self + " "}) {
    EXPECT_FALSE(owner_alive(owner)) << '"' << owner << '"';
  }
}

TEST(DockerReaperProgram, ExplicitThenEnvironment) {
  EXPECT_EQ(find_reaper_program("/some/where/reaper"), fs::path("/some/where/reaper"));
  setenv("FAULTLINE_DOCKER_REAPER", "/from/the/environment", 1);
  EXPECT_EQ(find_reaper_program(), fs::path("/from/the/environment"));
  unsetenv("FAULTLINE_DOCKER_REAPER");
}

TEST(DockerReaperStart, RefusesALabelThatIsNotKeyEqualsValue) {
  EXPECT_THROW(Reaper::start("/nowhere.sock", "faultline.run", REAPER_PROGRAM), std::invalid_argument);
  EXPECT_THROW(Reaper::start("/nowhere.sock", "faultline.run=", REAPER_PROGRAM), std::invalid_argument);
  EXPECT_THROW(Reaper::start("/nowhere.sock", "=x", REAPER_PROGRAM), std::invalid_argument);
}

TEST(DockerReaperStart, NamesADaemonThatDoesNotAnswer) {
  try {
    Reaper::start("/nonexistent/docker.sock", "faultline.run=" + unique("run"), REAPER_PROGRAM);
    FAIL() << "started without a daemon";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no Docker daemon answers at /nonexistent/docker.sock"), std::string::npos)
        << e.what();
  }
}

TEST(DockerReaperStart, NamesAProgramThatCannotRun) {
  try {
    Reaper::start("/nonexistent/docker.sock", "faultline.run=" + unique("run"), "/nonexistent/faultline-docker-reaper");
    FAIL() << "started a program that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run it: No such file or directory"), std::string::npos) << e.what();
  }
}

// ---- against a daemon ----

// (a) The runner finishes (closes its end): everything with the run's label goes, nothing else.
TEST(DockerReaper, FinishRemovesWhatCarriesTheLabelOnly) {
  SKIP_WITHOUT_DAEMON();
  Engine engine(test_socket());
  ensure_image(engine);
  if (HasFatalFailure()) return;
  const std::string run = unique("run");
  const std::string label = std::string(kRunLabel) + "=" + run;
  const Labels labels = {{kRunLabel, run}, {kOwnerLabel, owner_of_this_process()}};

  Reaper reaper = Reaper::start(test_socket(), label, REAPER_PROGRAM);
  ASSERT_GT(reaper.pid(), 0);
  EXPECT_EQ(getsid(reaper.pid()), reaper.pid()) << "the reaper is not in a session of its own";
  const std::string network = create_network(engine, unique("net"), labels);
  const std::string volume = create_volume(engine, unique("vol"), labels);
  const std::string container = create_container(engine, unique("ctr"), labels, network, volume, true);
  // Another run's label value, and nothing of faultline's at all: both must stay.
  const std::string other_run_volume = create_volume(engine, unique("vol"), {{kRunLabel, run + "-other"}});
  const std::string unlabeled_volume = create_volume(engine, unique("vol"), {});
  ASSERT_EQ(labeled_count(engine, label), 3u);

  EXPECT_TRUE(reaper.finish());
  EXPECT_EQ(reaper.pid(), -1);
  EXPECT_EQ(labeled_count(engine, label), 0u);
  EXPECT_FALSE(container_exists(engine, container));
  EXPECT_FALSE(network_exists(engine, network));
  EXPECT_FALSE(volume_exists(engine, volume));
  EXPECT_TRUE(volume_exists(engine, other_run_volume));
  EXPECT_TRUE(volume_exists(engine, unlabeled_volume));
  EXPECT_TRUE(reaper.finish()) << "a second finish returns the first answer";
  engine.remove_volume(other_run_volume);
  engine.remove_volume(unlabeled_volume);
}

// (b) The runner is SIGKILLed with its whole process group: the reaper, in its own session,
// survives it and removes what the runner made.
TEST(DockerReaper, SigkillOfTheRunnerStillRemovesItsThings) {
  SKIP_WITHOUT_DAEMON();
  Engine engine(test_socket());
  ensure_image(engine);
  if (HasFatalFailure()) return;
  const std::string run = unique("run");
  const std::string label = std::string(kRunLabel) + "=" + run;
  const std::string unlabeled_volume = create_volume(engine, unique("vol"), {});

  // The reaper is the runner's child; once the runner dies it comes to this process, which waits
  // for it.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t runner = fork();
  if (runner == 0) {
    close(report[0]);
    setpgid(0, 0);  // a group of its own, which is then killed as a terminal's Ctrl-C would signal it
    std::string said;
    try {
      Engine runner_engine(test_socket());
      const Labels labels = {{kRunLabel, run}, {kOwnerLabel, owner_of_this_process()}};
      Reaper reaper = Reaper::start(test_socket(), label, REAPER_PROGRAM);
      const std::string network = create_network(runner_engine, unique("net"), labels);
      const std::string volume = create_volume(runner_engine, unique("vol"), labels);
      create_container(runner_engine, unique("ctr"), labels, network, volume, true);
      create_container(runner_engine, unique("ctr"), labels, "", "", false);
      said = std::to_string(reaper.pid()) + "\n";
      [[maybe_unused]] const ssize_t n = write(report[1], said.data(), said.size());
      while (true) pause();  // until killed; the Reaper is never destroyed
    } catch (const std::exception& e) {
      said = std::string("error ") + e.what() + "\n";
      [[maybe_unused]] const ssize_t n = write(report[1], said.data(), said.size());
      _exit(1);
    }
  }
  close(report[1]);
  std::string said;
  pollfd p{report[0], POLLIN, 0};
  for (char c; poll(&p, 1, 30000) > 0 && read(report[0], &c, 1) == 1 && c != '\n';) said += c;
  close(report[0]);
  ASSERT_FALSE(said.empty() || said.rfind("error", 0) == 0) << "the runner child: " << said;
  const pid_t reaper_pid = std::stoi(said);
  EXPECT_EQ(labeled_count(engine, label), 4u);  // a network, a volume, two containers

  ASSERT_EQ(kill(-runner, SIGKILL), 0);
  ASSERT_EQ(waitpid(runner, nullptr, 0), runner);

  // Bounded polling of the daemon: the reaper's work is not observable otherwise.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (labeled_count(engine, label) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(labeled_count(engine, label), 0u) << "the reaper did not remove the killed runner's things in 20 s";
  EXPECT_TRUE(volume_exists(engine, unlabeled_volume));

  int status = -1;
  pid_t waited = 0;
  for (int i = 0; i < 200 && (waited = waitpid(reaper_pid, &status, WNOHANG)) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (waited == 0) kill(reaper_pid, SIGKILL), waitpid(reaper_pid, nullptr, 0);
  EXPECT_EQ(waited, reaper_pid) << "the reaper did not exit within 20 s";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reaper's wait status " << status;
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  engine.remove_volume(unlabeled_volume);
}

// SIGINT and SIGHUP (a terminal's) leave the reaper waiting; SIGTERM makes it clean up and exit.
TEST(DockerReaper, IgnoresInterruptButCleansUpOnTerminate) {
  SKIP_WITHOUT_DAEMON();
  Engine engine(test_socket());
  const std::string run = unique("run");
  const std::string label = std::string(kRunLabel) + "=" + run;
  Reaper reaper = Reaper::start(test_socket(), label, REAPER_PROGRAM);
  const std::string volume = create_volume(engine, unique("vol"), {{kRunLabel, run}});
  kill(reaper.pid(), SIGINT);
  kill(reaper.pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(volume_exists(engine, volume));
  EXPECT_EQ(waitpid(reaper.pid(), nullptr, WNOHANG), 0) << "the reaper ended on SIGINT or SIGHUP";
  kill(reaper.pid(), SIGTERM);
  EXPECT_TRUE(reaper.finish());
  EXPECT_FALSE(volume_exists(engine, volume));
}

// (c) What dead owners left goes; what a live owner has, another project's and what carries no
// owner stay.
TEST(DockerReaper, RemoveAbandonedTakesOnlyWhatDeadOwnersLeft) {
  SKIP_WITHOUT_DAEMON();
  Engine engine(test_socket());
  ensure_image(engine);
  if (HasFatalFailure()) return;
  const std::string project = unique("project");
  const std::string other_project = unique("project");
  const std::string alive = owner_of_this_process();
  const std::string dead = dead_owner();
  const std::string reused_pid = alive.substr(0, alive.rfind(':') + 1) + "1";  // this pid, another start time
  const auto labels = [](const std::string& project_name, const std::string& owner) {
    Labels labels = {{kProjectLabel, project_name}, {kRunLabel, "whichever"}};
    if (!owner.empty()) labels[kOwnerLabel] = owner;
    return labels;
  };

  const std::string dead_network = create_network(engine, unique("net"), labels(project, dead));
  const std::string dead_volume = create_volume(engine, unique("vol"), labels(project, dead));
  const std::string dead_container =
      create_container(engine, unique("ctr"), labels(project, dead), dead_network, dead_volume, true);
  const std::string reused_volume = create_volume(engine, unique("vol"), labels(project, reused_pid));
  const std::string malformed_volume = create_volume(engine, unique("vol"), labels(project, "not an owner"));
  const std::string live_network = create_network(engine, unique("net"), labels(project, alive));
  const std::string live_volume = create_volume(engine, unique("vol"), labels(project, alive));
  const std::string live_container =
      create_container(engine, unique("ctr"), labels(project, alive), live_network, live_volume, false);
  const std::string no_owner_volume = create_volume(engine, unique("vol"), labels(project, ""));
  const std::string other_project_volume = create_volume(engine, unique("vol"), labels(other_project, dead));

  EXPECT_EQ(remove_abandoned(engine, project), 5);
  EXPECT_FALSE(container_exists(engine, dead_container));
  EXPECT_FALSE(network_exists(engine, dead_network));
  EXPECT_FALSE(volume_exists(engine, dead_volume));
  EXPECT_FALSE(volume_exists(engine, reused_volume));
  EXPECT_FALSE(volume_exists(engine, malformed_volume));
  EXPECT_TRUE(container_exists(engine, live_container));
  EXPECT_TRUE(network_exists(engine, live_network));
  EXPECT_TRUE(volume_exists(engine, live_volume));
  EXPECT_TRUE(volume_exists(engine, no_owner_volume));
  EXPECT_TRUE(volume_exists(engine, other_project_volume));
  EXPECT_EQ(remove_abandoned(engine, project), 0) << "nothing left to remove: it is idempotent";
  EXPECT_EQ(remove_abandoned(engine, other_project), 1);
  EXPECT_FALSE(volume_exists(engine, other_project_volume));

  engine.remove_container(live_container);
  engine.remove_network(live_network);
  engine.remove_volume(live_volume);
  engine.remove_volume(no_owner_volume);
}

}  // namespace
}  // namespace faultline::env::docker
