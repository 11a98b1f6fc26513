// The Test Composer's scheduler on its own: a fake CommandHost whose commands are timers (no
// namespaces, no processes), so that phases, exploration and kills are seen exactly.
#include <gtest/gtest.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <set>
#include <map>
#include <string>
#include <vector>

#include "composer/scheduler.h"

namespace faultline::composer {
namespace {

using namespace std::chrono_literals;

// A command "runs" for its configured time: its exit descriptor is a timer. A kill fires it at once.
class FakeHost : public CommandHost {
 public:
  struct Started {
    std::string command;
    CommandKind kind;
    std::string phase;  // the phase the scheduler had announced when it started
  };

  explicit FakeHost(std::map<std::string, Duration> durations) : durations_(std::move(durations)) {}
  ~FakeHost() override {
    for (auto& [id, fd] : timers_) close(fd);
  }

  std::pair<int, int> launch(const TemplateCommand& command, const std::string&) override {
    const int id = ++next_;
    const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    arm(fd, durations_.count(command.name) ? durations_.at(command.name) : 10ms);
    timers_[id] = fd;
    started.push_back({command.name, command.kind, phase});
    if (on_launch) on_launch();
    return {id, fd};
  }
  void reap(int id) override {
    close(timers_.at(id));
    timers_.erase(id);
    ++reaped;
  }
  void kill(int id, KillReason reason) override {
    arm(timers_.at(id), 1ms);
    kills.push_back(reason);
  }

  std::string phase = "none";
  std::function<void()> on_launch;
  std::vector<Started> started;
  std::vector<KillReason> kills;
  int reaped = 0;

 private:
  static void arm(int fd, Duration d) {
    itimerspec spec{};
    spec.it_value.tv_sec = d.count() / 1000;
    spec.it_value.tv_nsec = (d.count() % 1000) * 1000000;
    timerfd_settime(fd, 0, &spec, nullptr);
  }
  std::map<std::string, Duration> durations_;
  std::map<int, int> timers_;
  int next_ = 0;
};

// Records the phases in order and tells the host which phase it is in.
class PhaseRecorder : public PhaseListener {
 public:
  explicit PhaseRecorder(FakeHost& host) : host_(host) {}
  void on_phase(Phase phase, std::string_view ending) override {
    phases.push_back(std::string(to_string(phase)) + (ending.empty() ? "" : ":" + std::string(ending)));
    host_.phase = to_string(phase);
  }
  std::vector<std::string> phases;

 private:
  FakeHost& host_;
};

TestTemplate make_template(const std::vector<std::string>& names) {
  TestTemplate tpl;
  tpl.name = "main";
  for (const std::string& name : names) tpl.commands.push_back({name, *command_kind(name), "client", {}, "/t/" + name});
  return tpl;
}

struct Outcome {
  TimelineSummary summary;
  std::vector<std::string> phases;
  std::vector<FakeHost::Started> started;
  std::vector<KillReason> kills;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe(never_), 0); }
  void TearDown() override {
    close(never_[0]);
    close(never_[1]);
  }

  Outcome run(const TestTemplate& tpl, uint64_t seed, Duration drivers, std::map<std::string, Duration> durations = {},
              Explored* explored = nullptr) {
    FakeHost host(std::move(durations));
    PhaseRecorder recorder(host);
    SchedulerOptions options;
    options.drivers_until = Clock::now() + drivers;
    options.listeners = {&recorder};
    options.explored = explored;
    Scheduler scheduler(tpl, seed, options, host, never_[0]);
    Outcome outcome;
    outcome.summary = scheduler.run();
    outcome.phases = recorder.phases;
    outcome.started = host.started;
    outcome.kills = host.kills;
    EXPECT_EQ(host.reaped, static_cast<int>(host.started.size())) << "every start is collected";
    return outcome;
  }

  int never_[2];  // a cancel descriptor that never becomes readable
};

TEST_F(SchedulerTest, PhasesComeInOrderAndCommandsStartInTheirOwnPhase) {
  const TestTemplate tpl = make_template({"first_a", "parallel_driver_p", "anytime_x", "eventually_e"});
  const Outcome o = run(tpl, 1, 300ms);
  ASSERT_EQ(o.phases, (std::vector<std::string>{"first", "drivers", "ending:eventually", "done"}));
  ASSERT_FALSE(o.started.empty());
  EXPECT_EQ(o.started.front().command, "first_a");
  EXPECT_EQ(o.started.front().phase, "first");
  for (const auto& s : o.started) {
    if (s.kind == CommandKind::parallel_driver || s.kind == CommandKind::anytime) {
      EXPECT_EQ(s.phase, "drivers") << s.command;
    }
    if (s.kind == CommandKind::eventually) {
      EXPECT_EQ(s.phase, "ending") << s.command;
    }
  }
  EXPECT_EQ(o.started.back().command, "eventually_e");
  EXPECT_EQ(o.summary.ending, "eventually");
}

TEST_F(SchedulerTest, EventuallyKillsWhatRunsBeforeItsPhaseBegins) {
  const TestTemplate tpl = make_template({"parallel_driver_long", "eventually_e"});
  const Outcome o = run(tpl, 2, 100ms, {{"parallel_driver_long", 60s}});
  ASSERT_FALSE(o.kills.empty());
  for (KillReason r : o.kills) EXPECT_EQ(r, KillReason::composer);
  EXPECT_EQ(o.phases.back(), "done");
  EXPECT_EQ(o.summary.ending, "eventually");
}

TEST_F(SchedulerTest, NoEndingWhenNothingCanEnd) {
  const TestTemplate tpl = make_template({"parallel_driver_p"});
  const Outcome o = run(tpl, 3, 100ms);
  EXPECT_EQ(o.phases, (std::vector<std::string>{"first", "drivers", "done"}));
  EXPECT_EQ(o.summary.ending, "none");
}

TEST_F(SchedulerTest, ExplorationRunsTheEndingNotYetRunNext) {
  const TestTemplate tpl = make_template({"parallel_driver_p", "eventually_e", "finally_f"});
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Explored explored;
    const Outcome first = run(tpl, seed, 50ms, {}, &explored);
    const Outcome second = run(tpl, seed + 1000, 50ms, {}, &explored);
    EXPECT_NE(first.summary.ending, second.summary.ending) << "seed " << seed;
    EXPECT_EQ(explored.endings, (std::set<std::string>{"eventually", "finally"}));
  }
}

TEST_F(SchedulerTest, WithoutExplorationTheEndingIsTheSeedsAlone) {
  const TestTemplate tpl = make_template({"parallel_driver_p", "eventually_e", "finally_f"});
  std::set<std::string> endings;
  int same = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string a = run(tpl, seed, 20ms).summary.ending;
    const std::string b = run(tpl, seed, 20ms).summary.ending;
    same += a == b;
    endings.insert(a);
  }
  EXPECT_EQ(same, 20) << "the same seed, the same ending";
  EXPECT_EQ(endings.size(), 2u) << "both endings occur across seeds";
}

TEST_F(SchedulerTest, ExplorationStartsEveryDriverBeforeRepeatingOne) {
  const TestTemplate tpl = make_template({"parallel_driver_a", "parallel_driver_b", "parallel_driver_c",
                                          "parallel_driver_d", "parallel_driver_e", "serial_driver_s"});
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Explored explored;
    const Outcome o = run(tpl, seed, 400ms, {{"serial_driver_s", 5ms}}, &explored);
    std::set<std::string> seen;
    size_t k = 0;
    for (; k < o.started.size() && seen.size() < 6; ++k) {
      EXPECT_TRUE(seen.insert(o.started[k].command).second) << o.started[k].command << " again before the others, seed " << seed;
    }
    EXPECT_EQ(seen.size(), 6u) << "seed " << seed;
  }
}

TEST_F(SchedulerTest, SingletonDriverLeftUnexploredMakesTheNextTimelineASingletonOne) {
  const TestTemplate tpl = make_template({"singleton_driver_once", "parallel_driver_p"});
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Explored explored;
    explored.commands = {"parallel_driver_p"};
    const Outcome o = run(tpl, seed, 100ms, {}, &explored);
    ASSERT_FALSE(o.started.empty());
    for (const auto& s : o.started) EXPECT_EQ(s.command, "singleton_driver_once") << "seed " << seed;
  }
}

TEST_F(SchedulerTest, CancellationKillsEverythingAndEndsTheTimeline) {
  const TestTemplate tpl = make_template({"parallel_driver_long", "eventually_e"});
  int cancel[2];
  ASSERT_EQ(pipe(cancel), 0);
  FakeHost host({{"parallel_driver_long", 60s}});
  PhaseRecorder recorder(host);
  SchedulerOptions options;
  options.drivers_until = Clock::now() + 60s;
  options.listeners = {&recorder};
  Scheduler scheduler(tpl, 5, options, host, cancel[0]);
  // Cancelled as the first driver starts: the scheduler is about to wait on its descriptors.
  host.on_launch = [&] {
    const ssize_t written = write(cancel[1], "x", 1);
    EXPECT_EQ(written, 1);
  };
  const TimelineSummary summary = scheduler.run();
  EXPECT_TRUE(summary.cancelled);
  EXPECT_EQ(summary.ending, "none");
  EXPECT_EQ(recorder.phases.back(), "done");
  EXPECT_FALSE(host.kills.empty());
  close(cancel[0]);
  close(cancel[1]);
}

}  // namespace
}  // namespace faultline::composer
