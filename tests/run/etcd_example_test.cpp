// The etcd example against a real three-member cluster under every kind of fault: the tutorial's
// five properties pass ("can fail" included), partitions, kills and pauses are in the records, the
// histories are linearizable, and nothing is left afterwards, also after Ctrl-C and after the
// runner is SIGKILLed in the middle of a fault.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "run_support.h"

namespace faultline::testing {
namespace {

// A process of this machine: its name (comm) and its parent.
struct ProcessInfo {
  std::string name;
  int parent = 0;
};

std::optional<ProcessInfo> process_info(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  const size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  ProcessInfo info;
  info.name = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  char state;
  rest >> state >> info.parent;
  return info;
}

// etcd processes that no running faultline owns: what a run that left something behind leaves.
// (Other sessions' runs on the machine hold their own etcds under their live runner.)
int orphaned_etcds() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const int pid = std::atoi(entry.path().filename().c_str());
    const std::optional<ProcessInfo> info = pid > 0 ? process_info(pid) : std::nullopt;
    if (!info || info->name != "etcd") continue;
    bool owned = false;
    for (int up = info->parent, hops = 0; up > 1 && hops < 64 && !owned; ++hops) {
      const std::optional<ProcessInfo> ancestor = process_info(up);
      if (!ancestor) break;
      owned = ancestor->name == "faultline";
      up = ancestor->parent;
    }
    if (!owned) ++count;
  }
  return count;
}

// The runner's sandbox dies with it, asynchronously: waits (bounded) for the last of its etcds.
bool no_etcd_within(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    if (orphaned_etcds() == 0) return true;
    pollfd none{};
    poll(&none, 0, 100);
  }
  return orphaned_etcds() == 0;
}

const Environment kExampleEnvironment = {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT},
                                         {"FAULTLINE_ETCD_EXAMPLE", ETCD_EXAMPLE_BUILD}};

std::vector<std::string> run_args(const std::filesystem::path& out, const std::vector<std::string>& more) {
  std::vector<std::string> args = {FAULTLINE_BIN, "run", std::string(EXAMPLES_DIR) + "/etcd", "--out", out.string(),
                                   "--quiet"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(EtcdExample, TutorialPropertiesPassUnderFaultsAndNothingIsLeft) {
  TempDir dir;
  const auto out = dir.path() / "run";
  std::string output;
  const int status = run(run_args(out, {"--duration", "2m", "--timeline", "30s", "--seed", "2026", "--faults", "all",
                                        "--fault-rate", "20"}),
                         kExampleEnvironment, &output);
  RunRecord r;
  SyntheticTemplate::read_into(out, r);
  ASSERT_TRUE(r.report.is_object()) << output;

  const auto status_of = [&](const std::string& name) {
    const nlohmann::json* p = r.property(name);
    return p ? p->value("status", "") : "missing";
  };
  for (const char* tutorial : {"Database key values stay consistent", "Client can make successful put requests",
                               "Client put requests can fail", "Client can make successful get requests",
                               "Client get requests can fail"}) {
    EXPECT_EQ(status_of(tutorial), "passed") << tutorial << "\n" << output;
  }
  EXPECT_EQ(status_of("History is linearizable"), "passed") << output;
  EXPECT_EQ(status_of("The cluster heals once faults stop"), "passed") << output;
  std::set<std::string> kinds;
  for (const auto& e : r.events) {
    if (e.value("type", "") == "fault") kinds.insert(e.value("name", ""));
  }
  for (const char* kind : {"partition", "kill", "pause"}) EXPECT_TRUE(kinds.count(kind)) << kind << "\n" << output;
  EXPECT_GE(r.timelines().size(), 3u);
  EXPECT_TRUE(status == 0 || status == 1) << output;
  EXPECT_TRUE(no_etcd_within(50)) << "an etcd outlived the run";
}

// Ctrl-C (SIGINT) or SIGKILL of the runner while a fault is in force.
class EtcdExampleEnded : public ::testing::TestWithParam<int> {};

TEST_P(EtcdExampleEnded, MidFaultLeavesNothing) {
  const int sig = GetParam();
  TempDir dir;
  const auto out = dir.path() / "run";
  Child runner = start(run_args(out, {"--duration", "5m", "--faults", "all", "--fault-rate", "60", "--seed", "9"}),
                       kExampleEnvironment, /*merge_stderr=*/true);
  ASSERT_TRUE(wait_for_event(out / "events.jsonl", "\"type\":\"fault\"", 600)) << "a fault within a minute";
  kill(runner.pid, sig);
  const int status = wait_for(runner);
  EXPECT_EQ(status, sig == SIGINT ? 130 : 128 + SIGKILL);
  EXPECT_TRUE(no_etcd_within(100)) << "an etcd outlived the runner";
  if (sig == SIGINT) {
    RunRecord r;
    SyntheticTemplate::read_into(out, r);
    int started = 0, ended = 0;
    for (const auto& e : r.events) {
      started += e.value("type", "") == "fault";
      ended += e.value("type", "") == "fault_ended";
    }
    EXPECT_EQ(started, ended) << "every fault was healed before teardown";
    EXPECT_EQ(r.report.at("run").value("exit_status", 0), 130);
  }
}

INSTANTIATE_TEST_SUITE_P(Runner, EtcdExampleEnded, ::testing::Values(SIGINT, SIGKILL),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

}  // namespace
}  // namespace faultline::testing
