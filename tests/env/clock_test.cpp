// Clock control (Environment::set_clock_offset, clock_unreachable) with real services: the wall
// clock that the processes of a service read moves, the host's and other services' does not, and
// faultline names the programs that a clock fault cannot reach.
#include <gtest/gtest.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <set>

#include "env_support.h"
#include "sandbox_support.h"

namespace faultline::env {
namespace {

constexpr int64_t kSlack = 5;  // seconds between reading the host's clock and the service's

// A service's main program that reads the clock when asked: each line written to /tmp/ask makes
// it run clock_probe, a process of the service (not an exec'd command), into the FIFO /tmp/reply.
constexpr const char* kClocked = R"(
services:
  clocked:
    command: ["/bin/sh", "-c", "rm -f /tmp/ask /tmp/reply && mkfifo /tmp/ask /tmp/reply && echo ready && while read x < /tmp/ask; do clock_probe > /tmp/reply; done"]
    volumes: ["${CLOCK_PROBE}:/usr/local/bin/clock_probe:ro"]
  plain:
    command: sleep 1000
    volumes: ["${CLOCK_PROBE}:/usr/local/bin/clock_probe:ro"]
)";

struct Clocks {
  int64_t wall = 0, monotonic = 0;
};

Clocks host_clocks() {
  timespec wall, monotonic;
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_MONOTONIC, &monotonic);
  return {wall.tv_sec, monotonic.tv_sec};
}

class ClockTest : public LocalEnvironmentTest {
 protected:
  // The environment of `compose_text`, clock_control on the services in `clocked`, not yet up.
  Environment& make_clocked(const std::string& compose_text, const std::set<std::string>& clocked) {
    Project loaded = project(compose_text, {{"CLOCK_PROBE", CLOCK_PROBE}, {"CLOCK_PROBE_STATIC", CLOCK_PROBE_STATIC}});
    for (const std::string& name : clocked) loaded.services.at(name).clock_control = true;
    return make(std::move(loaded));
  }
  // kClocked up, its main program ready to read the clock.
  Environment& up_clocked(const std::set<std::string>& clocked) {
    Environment& env = make_clocked(kClocked, clocked);
    env.up(Duration(20000));
    EXPECT_TRUE(observer_.wait_for_output("clocked", "ready")) << "clocked came up";
    return env;
  }
  // What `call` throws, or "" when it does not throw.
  static std::string refusal(const std::function<void()>& call) {
    try {
      call();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  // What clock_probe printed.
  static Clocks parse(const ExecResult& probe) {
    Clocks clocks;
    long long wall = 0, monotonic = 0;
    EXPECT_EQ(std::sscanf(probe.output.c_str(), "%lld %lld", &wall, &monotonic), 2) << probe.output;
    clocks.wall = wall;
    clocks.monotonic = monotonic;
    return clocks;
  }

  // Expects the clocks read in `service` `seconds` ahead of the host's wall clock, and its
  // monotonic clock the host's: as its main program's child, an exec'd probe and `date` read them.
  void expect_offset(const std::string& service, int64_t seconds) {
    SCOPED_TRACE(service + " " + std::to_string(seconds) + " s ahead");
    const Clocks host = host_clocks();
    const std::vector<std::pair<const char*, Clocks>> reads = {
        {"its main program's child", parse(run(service, {"/bin/sh", "-c", "echo > /tmp/ask && cat /tmp/reply"}))},
        {"an exec'd command", parse(run(service, {"clock_probe"}))}};
    for (const auto& [who, clocks] : reads) {
      EXPECT_NEAR(clocks.wall - host.wall, seconds, kSlack) << who;
      EXPECT_NEAR(clocks.monotonic - host.monotonic, 0, kSlack) << who << ": monotonic clocks are left alone";
    }
    const ExecResult date = run(service, {"date", "+%s"});
    EXPECT_NEAR(std::stoll(date.output) - host_clocks().wall, seconds, kSlack) << "date";
  }
  // The same for a service without clock_control, whose clock is read by exec only.
  void expect_unshifted(const std::string& service) {
    SCOPED_TRACE(service + " unshifted");
    const Clocks clocks = parse(run(service, {"clock_probe"}));
    EXPECT_NEAR(clocks.wall - host_clocks().wall, 0, kSlack);
  }
};

TEST_F(ClockTest, OffsetMovesTheWallClockOfEveryProcessOfTheService) {
  Environment& env = up_clocked({"clocked"});
  EXPECT_EQ(env.clock_unreachable("clocked"), "") << "/bin/sh reads the clock through libc";
  expect_offset("clocked", 0);

  env.set_clock_offset("clocked", std::chrono::seconds(3600));
  expect_offset("clocked", 3600);
  expect_unshifted("plain");

  env.set_clock_offset("clocked", Duration(0));
  expect_offset("clocked", 0);

  env.set_clock_offset("clocked", std::chrono::seconds(-120));
  expect_offset("clocked", -120);
  expect_unshifted("plain");
}

TEST_F(ClockTest, ServiceWithoutClockControlIsRefusedAndNeverShifted) {
  Environment& env = up_clocked({});
  EXPECT_EQ(refusal([&] { env.set_clock_offset("plain", std::chrono::seconds(3600)); }),
            "service plain: its clock cannot be shifted: clock_control is off");
  EXPECT_EQ(env.clock_unreachable("plain"), "clock_control is off");
  expect_unshifted("plain");
  // Nothing of libfaketime is in its processes' environment.
  const std::string environment = run("plain", {"env"}).output;
  EXPECT_EQ(environment.find("LD_PRELOAD"), std::string::npos) << environment;
  EXPECT_EQ(environment.find("FAKETIME"), std::string::npos) << environment;
  EXPECT_THROW(env.set_clock_offset("nobody", Duration(1000)), std::runtime_error);
  EXPECT_THROW(env.clock_unreachable("nobody"), std::runtime_error);
}

// The offset is the service's machine's: a service killed and started again keeps it until it is
// set to 0; while the service does not run, it cannot be set.
TEST_F(ClockTest, OffsetOutlivesARestartUntilHealed) {
  Environment& env = up_clocked({"clocked"});
  env.set_clock_offset("clocked", std::chrono::seconds(3600));
  env.kill("clocked");
  EXPECT_EQ(refusal([&] { env.set_clock_offset("clocked", Duration(0)); }), "service clocked is not running");

  env.start("clocked");
  ASSERT_TRUE(observer_.wait_for_output("clocked", "ready", Duration(10000), 2));
  expect_offset("clocked", 3600);
  env.set_clock_offset("clocked", Duration(0));
  expect_offset("clocked", 0);
}

// clock_unreachable reads the program each service starts, found on its PATH among the host's
// files and its bind mounts, without starting it.
TEST_F(ClockTest, UnreachableNamesGoProgramsAndJudgesScriptsByTheirInterpreter) {
  if (!std::filesystem::exists("/usr/bin/etcd")) GTEST_SKIP() << "needs Debian's etcd-server (/usr/bin/etcd)";
  for (const auto& [name, text] : {std::pair{"shell.sh", "#!/bin/sh\nexec sleep 1000\n"},
                                   std::pair{"etcd.sh", "#!/usr/bin/env -S etcd --log-level=error\n"}}) {
    std::ofstream(dir_.path() / name) << text;
    std::filesystem::permissions(dir_.path() / name, std::filesystem::perms::owner_all);
  }
  Environment& env = make_clocked(R"(
services:
  etcd: {command: /usr/bin/etcd}
  etcd_by_name: {command: etcd}
  shell: {command: ["/bin/sh", "-c", "exec sleep 1000"]}
  shell_script: {command: shell.sh, volumes: ["./shell.sh:/usr/local/bin/shell.sh:ro"]}
  etcd_script: {command: /opt/etcd.sh, volumes: ["./etcd.sh:/opt/etcd.sh:ro"]}
  relative: {command: ./bin/sh, working_dir: /usr}
  missing: {command: no-such-program}
  in_tmp: {command: /tmp/program}
  off: {command: /usr/bin/etcd}
)",
                                  {"etcd", "etcd_by_name", "shell", "shell_script", "etcd_script", "relative", "missing", "in_tmp"});
  const std::string go = "/usr/bin/etcd is a Go program, which reads the clock without libc";
  EXPECT_EQ(env.clock_unreachable("etcd"), go);
  EXPECT_EQ(env.clock_unreachable("etcd_by_name"), go) << "found on the service's PATH";
  EXPECT_EQ(env.clock_unreachable("shell"), "");
  EXPECT_EQ(env.clock_unreachable("shell_script"), "") << "a script for /bin/sh, through the bind mount";
  EXPECT_EQ(env.clock_unreachable("etcd_script"), "/opt/etcd.sh is a script for /usr/bin/etcd, a Go program, which reads the clock without libc");
  EXPECT_EQ(env.clock_unreachable("relative"), "") << "from its working directory";
  EXPECT_EQ(env.clock_unreachable("missing"),
            "faultline cannot find no-such-program among this machine's programs on the service's PATH");
  EXPECT_NE(env.clock_unreachable("in_tmp").find("cannot find /tmp/program"), std::string::npos)
      << "the service's /tmp is its own, not the host's";
  EXPECT_EQ(env.clock_unreachable("off"), "clock_control is off");
  for (const char* service : {"etcd", "shell"}) {
    EXPECT_EQ(env.status(service).state, ServiceState::created) << "inspected, not started";
  }
}

// A statically linked program is named as such, and rightly: its clock stays the host's while the
// rest of its service is shifted.
TEST_F(ClockTest, StaticProgramIsNamedAndReallyUnreached) {
  if (!*CLOCK_PROBE_STATIC) GTEST_SKIP() << "no static C library (libc6-dev's libc.a) to link a static program with";
  std::ofstream(dir_.path() / "static.sh") << "#!/usr/local/bin/clock_probe_static\n";
  std::filesystem::permissions(dir_.path() / "static.sh", std::filesystem::perms::owner_all);
  Environment& env = make_clocked(R"(
x-probes: &probes ["${CLOCK_PROBE}:/usr/local/bin/clock_probe:ro", "${CLOCK_PROBE_STATIC}:/usr/local/bin/clock_probe_static:ro", "./static.sh:/static.sh:ro"]
services:
  static: {command: clock_probe_static, volumes: *probes}
  static_script: {command: /static.sh, volumes: *probes}
  clocked: {command: sleep 1000, volumes: *probes}
)",
                                  {"static", "static_script", "clocked"});
  EXPECT_EQ(env.clock_unreachable("static"),
            "/usr/local/bin/clock_probe_static is a statically linked program, which ignores LD_PRELOAD");
  EXPECT_EQ(env.clock_unreachable("static_script"),
            "/static.sh is a script for /usr/local/bin/clock_probe_static, a statically linked program, which ignores "
            "LD_PRELOAD");
  EXPECT_EQ(env.clock_unreachable("clocked"), "");

  env.start("clocked");
  ASSERT_TRUE(env.wait_until_ready("clocked", Duration(10000)));
  env.set_clock_offset("clocked", std::chrono::seconds(3600));
  EXPECT_NEAR(parse(run("clocked", {"clock_probe"})).wall - host_clocks().wall, 3600, kSlack);
  EXPECT_NEAR(parse(run("clocked", {"clock_probe_static"})).wall - host_clocks().wall, 0, kSlack)
      << "no preloaded library reaches a static program";
}

// Clock control adds no process and no mount: down leaves nothing, with an offset in force.
TEST_F(ClockTest, DownLeavesNothingWithAnOffsetInForce) {
  const std::string mounts_before = testing::read_text("/proc/self/mountinfo");
  Environment& env = up_clocked({"clocked"});
  env.set_clock_offset("clocked", std::chrono::seconds(-3600));
  const std::string user_ns = testing::namespace_of(local::local_sandbox_pid(env.backend()), "user");
  ASSERT_FALSE(user_ns.empty());
  env.down(Duration(0));
  EXPECT_TRUE(testing::await_no_process_in(user_ns)) << "a process of the sandbox survived";
  EXPECT_EQ(testing::read_text("/proc/self/mountinfo"), mounts_before) << "mounts changed on the host";
}

}  // namespace
}  // namespace faultline::env
