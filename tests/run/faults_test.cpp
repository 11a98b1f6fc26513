// Faults in whole runs: only in the driver phase, healed before the ending, stopped on request,
// the same for the same seed, recorded in events.jsonl, and custom fault programs run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "run_support.h"

namespace faultline::testing {
namespace {

// Two services under test (no template) and a client holding the template `main`.
class FaultTemplate {
 public:
  explicit FaultTemplate(const std::string& faults_settings = "") {
    std::filesystem::create_directories(dir_.path() / "main");
    std::ofstream(dir_.path() / "compose.yaml")
        << "x-faultline:\n  faults: {min_duration: 300ms, max_duration: 900ms" << faults_settings << "}\n"
           "services:\n"
           "  db1:\n    command: sleep 100000\n"
           "  db2:\n    command: sleep 100000\n"
           "  client:\n"
           "    command: [\"/bin/sh\", \"-c\", \"echo '{\\\"antithesis_setup\\\":{\\\"status\\\":\\\"complete\\\"}}' "
           ">> $$ANTITHESIS_OUTPUT_DIR/sdk.jsonl; exec sleep 100000\"]\n"
           "    volumes: [\"./main:/opt/antithesis/test/v1/main\"]\n";
  }
  void command(const std::string& name, const std::string& body) {
    const auto path = dir_.path() / "main" / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  RunRecord run(const std::vector<std::string>& args, std::filesystem::path* out_dir = nullptr) const {
    const auto out = dir_.path() / ("run-" + std::to_string(++runs_));
    if (out_dir) *out_dir = out;
    std::vector<std::string> argv{FAULTLINE_BIN, "run", dir_.path().string(), "--out", out.string(), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunRecord record;
    record.exit_status = testing::run(argv, {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, &record.output, true);
    SyntheticTemplate::read_into(out, record);
    return record;
  }
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  mutable int runs_ = 0;
};

std::vector<nlohmann::json> of_type(const RunRecord& r, const std::string& type, int timeline = 0) {
  std::vector<nlohmann::json> out;
  for (const auto& e : r.events) {
    if (e.value("type", "") == type && (timeline == 0 || e.value("timeline", 0) == timeline)) out.push_back(e);
  }
  return out;
}

double phase_time(const RunRecord& r, int timeline, const std::string& phase) {
  for (const auto& e : of_type(r, "phase", timeline)) {
    if (e.value("phase", "") == phase) return e.value("t", 0.0);
  }
  return -1;
}

TEST(Faults, OnlyInTheDriverPhaseAndAllHealedBeforeTheEnding) {
  FaultTemplate t;
  t.command("first_setup", "sleep 0.3");
  t.command("parallel_driver_work", "sleep 0.2");
  t.command("eventually_check", "sleep 0.2");
  t.command("finally_check", "sleep 0.2");
  const RunRecord r = t.run({"--duration", "8s", "--timeline", "4s", "--seed", "3", "--faults", "all", "--fault-rate", "240"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  std::set<std::string> kinds;
  for (int timeline : r.timelines()) {
    SCOPED_TRACE("timeline " + std::to_string(timeline));
    const double drivers = phase_time(r, timeline, "drivers");
    const double ending = phase_time(r, timeline, "ending");
    const double done = phase_time(r, timeline, "done");
    ASSERT_GT(drivers, 0);
    const double quiet = ending > 0 ? ending : done;
    const auto started = of_type(r, "fault", timeline);
    const auto ended = of_type(r, "fault_ended", timeline);
    ASSERT_FALSE(started.empty()) << "a fault every quarter of a second";
    EXPECT_EQ(started.size(), ended.size()) << "every fault ends";
    for (const auto& f : started) {
      kinds.insert(f.value("name", ""));
      EXPECT_GE(f.value("t", 0.0), drivers) << f.dump();
      EXPECT_LE(f.value("t", 0.0), quiet) << f.dump();
      // Faults go into the services under test; only a loss between one of them and another service
      // touches the client.
      EXPECT_NE(f.at("affected_nodes").at(0), "client") << "it holds the template";
      if (f.value("fault_type", "") == "node") {
        EXPECT_EQ(f.at("affected_nodes").size(), 1u) << f.dump();
      }
    }
    // The ending's command starts after every fault has ended, and after every service a fault took
    // down is running again.
    for (const Invocation& i : r.of_timeline(timeline)) {
      if (i.kind != "eventually_" && i.kind != "finally_") continue;
      for (const auto& f : ended) EXPECT_LE(f.value("t", 0.0), i.start) << i.command << " beside a fault";
      std::map<std::string, std::string> last_state;
      for (const auto& e : of_type(r, "service", timeline)) {
        if (e.value("t", 0.0) <= i.start) last_state[e.value("service", "")] = e.value("state", "");
      }
      for (const char* db : {"db1", "db2"}) EXPECT_EQ(last_state[db], "running") << db << " when " << i.command << " started";
    }
  }
  EXPECT_GE(kinds.size(), 4u) << "many kinds at four faults a second";
}

TEST(Faults, StopFaultsHealsAtOnceAndHoldsFaultsBackForItsTime) {
  FaultTemplate t;
  t.command("serial_driver_quiet", "sleep 1; \"$ANTITHESIS_STOP_FAULTS\" 2; sleep 2.5");
  const RunRecord r = t.run({"--duration", "6s", "--timeline", "6s", "--seed", "4", "--faults", "network,pause", "--fault-rate", "300"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  const auto requests = of_type(r, "stop_faults", 1);
  ASSERT_FALSE(requests.empty()) << r.output;
  EXPECT_EQ(requests.front().value("command", ""), "serial_driver_quiet") << "the request names who asked";
  const auto asked_just_before = [&](double t, double within) {
    return std::any_of(requests.begin(), requests.end(), [&](const nlohmann::json& q) {
      return q.value("t", 0.0) <= t + 1 && t - q.value("t", 0.0) < within;
    });
  };
  int healed = 0;
  for (const auto& f : of_type(r, "fault_ended", 1)) {
    if (f.value("reason", "") != "stop_faults") continue;
    ++healed;
    EXPECT_TRUE(asked_just_before(f.value("t", 0.0), 200)) << "healed at once: " << f.dump();
  }
  EXPECT_GT(healed, 0) << "faults were in force when a request came";
  const auto started = of_type(r, "fault", 1);
  for (const auto& f : started) {
    const double at = f.value("t", 0.0);
    EXPECT_FALSE(asked_just_before(at - 100, 1900)) << "a fault started during a quiet period: " << f.dump();
  }
  EXPECT_TRUE(std::any_of(started.begin(), started.end(), [&](const nlohmann::json& f) {
    return f.value("t", 0.0) > requests.front().value("t", 0.0) + 2000;
  })) << "faults come back after the quiet period";
}

// What a fault record says, without its time.
std::vector<std::string> schedule(const RunRecord& r) {
  std::vector<std::string> out;
  for (const auto& f : of_type(r, "fault", 1)) out.push_back(f.value("name", "") + " " + f.at("details").dump());
  return out;
}

TEST(Faults, TheSameSeedGivesTheSameScheduleAndAnotherSeedAnother) {
  FaultTemplate t;
  t.command("parallel_driver_work", "sleep 0.2");
  const std::vector<std::string> args = {"--duration", "3s", "--timeline", "3s", "--faults", "network", "--fault-rate", "120"};
  auto with_seed = [&](const char* seed) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--seed", seed});
    const RunRecord r = t.run(a);
    EXPECT_EQ(r.exit_status, 0) << r.output;
    return schedule(r);
  };
  const auto a = with_seed("77"), b = with_seed("77"), c = with_seed("78");
  const size_t common = std::min(a.size(), b.size());
  ASSERT_GE(common, 3u);
  EXPECT_EQ(std::vector<std::string>(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(common)),
            std::vector<std::string>(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(common)));
  ASSERT_GE(c.size(), 3u);
  EXPECT_NE(std::vector<std::string>(a.begin(), a.begin() + 3), std::vector<std::string>(c.begin(), c.begin() + 3));
}

TEST(Faults, ACustomFaultProgramRunsInTheServiceThatHoldsIt) {
  FaultTemplate t;
  t.command("parallel_driver_work", "sleep 0.2");
  t.command("fault_announce", "echo custom fault ran in $(hostname)");
  std::filesystem::path out;
  const RunRecord r = t.run({"--duration", "3s", "--timeline", "3s", "--seed", "5", "--faults", "custom", "--fault-rate", "120"}, &out);
  ASSERT_EQ(r.exit_status, 0) << r.output;
  const auto started = of_type(r, "fault", 1);
  ASSERT_FALSE(started.empty()) << r.output;
  for (const auto& f : started) {
    EXPECT_EQ(f.value("name", ""), "custom");
    EXPECT_EQ(f.at("affected_nodes"), nlohmann::json::array({"client"}));
    EXPECT_EQ(f.at("details").value("custom_name", ""), "fault_announce");
  }
  std::string log;
  for (const auto& entry : std::filesystem::directory_iterator(out / "logs" / "timeline-1")) {
    if (entry.path().filename().string().find("fault_announce") == std::string::npos) continue;
    std::ifstream in(entry.path());
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(log.find("custom fault ran in client"), std::string::npos) << "its output is in its own log";
}

TEST(Faults, TheSummaryCountsFaultsByKindAndRunJsonRecordsTheSetup) {
  FaultTemplate t(", targets: [db1]");
  t.command("parallel_driver_work", "sleep 0.2");
  std::filesystem::path out;
  const RunRecord r = t.run({"--duration", "2s", "--timeline", "2s", "--seed", "6", "--faults", "pause", "--fault-rate", "120"}, &out);
  ASSERT_EQ(r.exit_status, 0) << r.output;
  const auto started = of_type(r, "fault", 1);
  ASSERT_FALSE(started.empty());
  for (const auto& f : started) EXPECT_EQ(f.at("affected_nodes"), nlohmann::json::array({"db1"})) << "the only target";
  EXPECT_NE(r.output.find("faults: " + std::to_string(started.size()) + " (" + std::to_string(started.size()) + " pause)"),
            std::string::npos)
      << r.output;
  std::ifstream in(out / "run.json");
  const nlohmann::json run = nlohmann::json::parse(in);
  EXPECT_EQ(run.at("faults").at("kinds"), nlohmann::json::array({"pause"}));
  EXPECT_EQ(run.at("faults").at("targets"), nlohmann::json::array({"db1"}));
}

TEST(Faults, AClockFaultShiftsTheWallClockOfItsTargetAndSaysWhomItReaches) {
  FaultTemplate t(", targets: [db1]");
  t.command("parallel_driver_work", "sleep 0.2");
  // db1 prints its wall clock (libc's, through date) every 50 ms.
  std::ofstream(t.path() / "override.yaml")
      << "services:\n  db1:\n    command: [\"/bin/sh\", \"-c\", \"while true; do date +%s.%N; sleep 0.05; done\"]\n";
  std::filesystem::path out;
  const RunRecord r = t.run({"-f", (t.path() / "compose.yaml").string(), "-f", (t.path() / "override.yaml").string(),
                             "--duration", "4s", "--timeline", "4s", "--seed", "8", "--faults", "clock", "--fault-rate", "60"},
                            &out);
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("note: clock faults reach db1"), std::string::npos) << r.output;
  // Each line of db1's log: when the runner saw it (s since the run started) and what date said.
  std::vector<std::pair<double, double>> readings;
  std::ifstream log(out / "logs" / "timeline-1" / "db1.log");
  for (std::string line; std::getline(log, line);) {
    double seen = 0, said = 0;
    if (std::sscanf(line.c_str(), "%lf stdout %lf", &seen, &said) == 2) readings.emplace_back(seen * 1000, said);
  }
  ASSERT_GT(readings.size(), 20u);
  const double epoch_at_start = readings.front().second - readings.front().first / 1000;
  std::map<int, double> ended;  // fault -> when it was lifted (its duration, or the heal before the ending)
  for (const auto& e : of_type(r, "fault_ended", 1)) ended[e.value("fault", 0)] = e.value("t", 0.0);
  struct Window {
    double from, to, offset_s;
  };
  std::vector<Window> windows;
  for (const auto& f : of_type(r, "fault", 1)) {
    ASSERT_EQ(f.value("name", ""), "clock");
    ASSERT_TRUE(ended.count(f.value("fault", 0))) << f.dump();
    windows.push_back({f.value("t", 0.0), ended[f.value("fault", 0)],
                       f.at("details").value("clock_offset_ms", 0.0) / 1000});
  }
  ASSERT_FALSE(windows.empty());
  int inside = 0, restored = 0;  // readings well inside a fault; readings well after one, outside every other
  for (const auto& [seen, said] : readings) {
    const double skew = said - (epoch_at_start + seen / 1000);
    bool near_a_fault = false;
    for (const auto& w : windows) {
      if (seen > w.from + 150 && seen < w.to - 50) {
        EXPECT_NEAR(skew, w.offset_s, 1.0) << "at " << seen << " ms, inside a fault";
        ++inside;
      }
      near_a_fault |= seen > w.from - 50 && seen < w.to + 150;
    }
    if (!near_a_fault && seen > windows.front().to) {
      EXPECT_NEAR(skew, 0, 1.0) << "at " << seen << " ms, after a fault was lifted";
      ++restored;
    }
  }
  EXPECT_GT(inside, 0) << "readings inside a clock fault";
  EXPECT_GT(restored, 0) << "readings after a clock fault was lifted";
}

TEST(Faults, NoneMeansNone) {
  FaultTemplate t;
  t.command("parallel_driver_work", "sleep 0.1");
  const RunRecord r = t.run({"--duration", "1500ms", "--faults", "none"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_TRUE(of_type(r, "fault").empty());
  EXPECT_NE(r.output.find("faults: none"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace faultline::testing
