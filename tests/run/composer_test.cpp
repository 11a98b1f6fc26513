// Every row of the Test Composer's table (spec section 1), proved on real runs of synthetic
// templates: what ran, when, and beside what, as events.jsonl recorded it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "run_support.h"

namespace faultline::testing {
namespace {

bool overlaps(const Invocation& a, const Invocation& b) { return a.start < b.end && b.start < a.end; }
bool is_driver(const Invocation& i) {
  return i.kind == "parallel_driver_" || i.kind == "serial_driver_" || i.kind == "singleton_driver_";
}

class Composer : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.command("first_a");
    t_.command("first_b");
    t_.command("parallel_driver_p1", "sleep 0.2");
    t_.command("parallel_driver_p2", "sleep 0.1");
    t_.command("serial_driver_s", "sleep 0.1");
    t_.command("anytime_x", "sleep 0.1");
    t_.command("eventually_e");
    t_.command("finally_f");
    t_.command("helper_tool", "echo helpers never run; exit 1");
  }
  SyntheticTemplate t_;
};

TEST_F(Composer, EveryRowOfTheTableHolds) {
  const RunRecord r = t_.run({"--duration", "10s", "--timeline", "1500ms", "--seed", "7", "--max-parallel", "3"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  const std::vector<int> timelines = r.timelines();
  ASSERT_GE(timelines.size(), 3u);
  bool saw_eventually = false, saw_finally = false, saw_parallel_overlap = false;
  for (int timeline : timelines) {
    SCOPED_TRACE("timeline " + std::to_string(timeline));
    const std::vector<Invocation> inv = r.of_timeline(timeline);
    ASSERT_FALSE(inv.empty());
    for (const Invocation& i : inv) ASSERT_GE(i.end, i.start) << i.command << " never finished";

    // first_: exactly one, first, alone.
    const auto firsts = std::count_if(inv.begin(), inv.end(), [](const Invocation& i) { return i.kind == "first_"; });
    EXPECT_EQ(firsts, 1);
    EXPECT_EQ(inv[0].kind, "first_");
    for (size_t k = 1; k < inv.size(); ++k) EXPECT_GE(inv[k].start, inv[0].end) << inv[k].command << " beside first_";

    size_t max_parallel = 0;
    for (const Invocation& a : inv) {
      // serial_ never overlaps another driver.
      if (a.kind == "serial_driver_") {
        for (const Invocation& b : inv) {
          if (b.id != a.id && is_driver(b)) {
            EXPECT_FALSE(overlaps(a, b)) << a.command << " overlaps " << b.command;
          }
        }
      }
      if (a.kind == "parallel_driver_") {
        size_t at_once = 0;
        for (const Invocation& b : inv) at_once += b.kind == "parallel_driver_" && b.start <= a.start && a.start < b.end;
        max_parallel = std::max(max_parallel, at_once);
      }
      // anytime_ runs during the driver phase only: never beside first_, eventually_ or finally_.
      if (a.kind == "anytime_") {
        for (const Invocation& b : inv) {
          if (b.kind == "first_" || b.kind == "eventually_" || b.kind == "finally_") {
            EXPECT_FALSE(overlaps(a, b)) << a.command << " beside " << b.command;
          }
        }
      }
    }
    EXPECT_LE(max_parallel, 3u) << "--max-parallel 3";
    saw_parallel_overlap |= max_parallel > 1;

    // eventually_ or finally_, never both.
    const auto eventually = std::find_if(inv.begin(), inv.end(), [](const Invocation& i) { return i.kind == "eventually_"; });
    const auto finally = std::find_if(inv.begin(), inv.end(), [](const Invocation& i) { return i.kind == "finally_"; });
    EXPECT_FALSE(eventually != inv.end() && finally != inv.end());
    if (eventually != inv.end()) {
      saw_eventually = true;
      EXPECT_EQ(eventually->id, inv.back().id) << "the timeline ends with it";
      for (const Invocation& i : inv) {
        if (i.id != eventually->id) {
          EXPECT_LE(i.end, eventually->start) << i.command << " still ran beside eventually_";
        }
      }
    }
    if (finally != inv.end()) {
      saw_finally = true;
      EXPECT_EQ(finally->id, inv.back().id);
      for (const Invocation& i : inv) {
        EXPECT_FALSE(i.killed_by_composer || i.timed_out) << "finally_ after a killed " << i.command;
        if (i.id != finally->id) {
          EXPECT_LE(i.end, finally->start);
        }
      }
    }
  }
  EXPECT_TRUE(saw_eventually && saw_finally) << "over several timelines the seed picks both endings";
  EXPECT_TRUE(saw_parallel_overlap) << "parallel drivers ran side by side";
  // Copies of a command run in every service that holds it; helper_ files never run.
  std::set<std::string> services;
  for (const Invocation& i : r.invocations) {
    EXPECT_NE(i.command, "helper_tool");
    services.insert(i.service);
  }
  EXPECT_EQ(services, (std::set<std::string>{"box", "other"}));
}

TEST_F(Composer, EventuallyKillsWhatStillRuns) {
  SyntheticTemplate t;
  t.command("parallel_driver_forever", "sleep 1000");
  t.command("eventually_check");
  const RunRecord r = t.run({"--duration", "2s", "--timeline", "1s", "--seed", "3"});
  // The driver never ends by itself, so "exits 0 at least once" rightly fails.
  EXPECT_EQ(r.exit_status, 1) << r.output;
  ASSERT_NE(r.property("parallel_driver_forever exits 0 at least once"), nullptr);
  EXPECT_EQ(r.property("parallel_driver_forever exits 0 at least once")->value("status", ""), "failed");
  const auto inv = r.of_timeline(1);
  ASSERT_GE(inv.size(), 2u);
  EXPECT_EQ(inv.back().command, "eventually_check");
  for (size_t k = 0; k + 1 < inv.size(); ++k) {
    EXPECT_TRUE(inv[k].killed_by_composer) << inv[k].command;
    EXPECT_LE(inv[k].end, inv.back().start);
  }
  // Killed by the composer is neither a pass nor a failure of "exits 0".
  const nlohmann::json* exits = r.property("parallel_driver_forever exits 0");
  ASSERT_NE(exits, nullptr);
  EXPECT_EQ(exits->value("fails", -1), 0);
  EXPECT_EQ(exits->value("status", ""), "passed");
}

TEST_F(Composer, SingletonIsTheOnlyDriverOfItsTimeline) {
  SyntheticTemplate t;
  t.command("singleton_driver_once", "sleep 0.2");
  t.command("parallel_driver_many", "sleep 0.05");
  t.command("anytime_side", "sleep 0.05");
  // Whether a timeline is a singleton timeline is the seed's choice, until the singleton driver is
  // the only driver the run has not yet started: then the next timeline is one.
  const RunRecord r = t.run({"--duration", "4s", "--timeline", "1s", "--seed", "1"});
  ASSERT_TRUE(r.exit_status == 0 || r.exit_status == 1) << r.output;
  int singleton_timelines = 0;
  for (int timeline : r.timelines()) {
    const auto inv = r.of_timeline(timeline);
    const auto singletons = std::count_if(inv.begin(), inv.end(), [](const Invocation& i) { return i.kind == "singleton_driver_"; });
    EXPECT_LE(singletons, 1) << "at most once per timeline";
    if (singletons == 1) {
      ++singleton_timelines;
      for (const Invocation& i : inv) {
        EXPECT_TRUE(i.kind == "singleton_driver_" || i.kind == "anytime_") << i.command << " in a singleton timeline";
      }
    }
  }
  ASSERT_GE(r.timelines().size(), 2u);
  EXPECT_GE(singleton_timelines, 1);
}

TEST_F(Composer, SameSeedSameSequence) {
  SyntheticTemplate t;
  t.command("first_a");
  t.command("first_b");
  t.command("first_c");
  t.command("parallel_driver_p", "sleep 0.05");
  t.command("parallel_driver_q", "sleep 0.05");
  t.command("serial_driver_s", "sleep 0.05");
  const auto sequence = [](const RunRecord& r) {
    std::vector<std::string> out;
    for (const Invocation& i : r.of_timeline(1)) out.push_back(i.command + "@" + i.service);
    return out;
  };
  const RunRecord a = t.run({"--duration", "1500ms", "--seed", "99"});
  const RunRecord b = t.run({"--duration", "1500ms", "--seed", "99"});
  const RunRecord c = t.run({"--duration", "1500ms", "--seed", "100"});
  const auto sa = sequence(a), sb = sequence(b), sc = sequence(c);
  ASSERT_GE(std::min(sa.size(), sb.size()), 8u);
  // Timing decides how many commands fit in the timeline, never which come in what order.
  const size_t common = std::min(sa.size(), sb.size()) - 3;  // the last few may differ with timing
  EXPECT_TRUE(std::equal(sa.begin(), sa.begin() + static_cast<long>(common), sb.begin())) << "same seed, other order";
  EXPECT_FALSE(std::equal(sa.begin(), sa.begin() + static_cast<long>(std::min(common, sc.size())), sc.begin()))
      << "another seed chose the same sequence";
}

}  // namespace
}  // namespace faultline::testing
