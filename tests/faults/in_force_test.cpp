// Faults put in force in a real environment (FaultsInForce over the local backend), judged by real
// traffic between real services: every partition shape the planner draws cuts exactly whom it
// says, a clog isolates, a one-way partition cuts one direction, node faults stop, kill and stop
// services and their end brings them back.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "env_support.h"
#include "faults/in_force.h"
#include "faults/network.h"
#include "faults/planner.h"

namespace faultline::faults {
namespace {

using env::Duration;

constexpr const char* kFourServices = R"(
x-probe: &probe
  command: ["tcp_probe", "serve", "7000"]
  volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
  healthcheck: {test: ["CMD", "tcp_probe", "connect", "localhost", "7000", "1000"], interval: 30s}
services:
  n1: *probe
  n2: *probe
  n3: *probe
  n4: *probe
)";
const std::vector<std::string> kNodes = {"n1", "n2", "n3", "n4"};

class FaultsInForceTest : public env::LocalEnvironmentTest {
 protected:
  env::Environment& up() {
    env::Environment& env = make(kFourServices);
    env.up(Duration(20000));
    for (const std::string& n : kNodes) EXPECT_TRUE(env.wait_until_ready(n, Duration(20000))) << n;
    return env;
  }

  // Who reaches whom over TCP now: one exec per source, probing every other node.
  std::set<std::pair<std::string, std::string>> reachable() {
    std::set<std::pair<std::string, std::string>> out;
    for (const std::string& from : kNodes) {
      std::string script;
      for (const std::string& to : kNodes) {
        if (to != from) script += "tcp_probe connect " + to + " 7000 400 >/dev/null 2>&1 && echo " + to + "; ";
      }
      std::istringstream lines(run(from, {"/bin/sh", "-c", script}, Duration(20000)).output);
      for (std::string to; std::getline(lines, to);) out.insert({from, to});
    }
    return out;
  }

  // A TCP connection needs both directions: what the fault's cuts leave connectable.
  static std::set<std::pair<std::string, std::string>> connectable(const Fault& fault) {
    const env::NetworkConditions conditions = network_conditions({fault}, kNodes);
    const auto cut = [&](const std::string& a, const std::string& b) {
      for (const auto& c : conditions.cuts) {
        if (std::count(c.from.begin(), c.from.end(), a) && std::count(c.to.begin(), c.to.end(), b)) return true;
      }
      return false;
    };
    std::set<std::pair<std::string, std::string>> out;
    for (const std::string& a : kNodes) {
      for (const std::string& b : kNodes) {
        if (a != b && !cut(a, b) && !cut(b, a)) out.insert({a, b});
      }
    }
    return out;
  }
};

TEST_F(FaultsInForceTest, EveryPartitionShapeCutsExactlyWhomItSays) {
  env::Environment& env = up();
  const auto everyone = reachable();
  ASSERT_EQ(everyone.size(), 12u);
  FaultsInForce in_force(env);
  FaultConfig config;
  config.kinds = {FaultKind::partition};
  FaultPlanner planner(1, config, kNodes, kNodes, {});
  std::set<PartitionShape> tried;
  for (int draw = 0; draw < 200 && tried.size() < 5; ++draw) {
    const Fault fault = *planner.next_fault({}, {});
    if (fault.one_way || !tried.insert(fault.shape).second) continue;
    SCOPED_TRACE(fault.describe());
    const int id = in_force.start(fault);
    const auto expected = connectable(fault);
    EXPECT_LT(expected.size(), 12u) << "a partition cuts someone";
    EXPECT_EQ(reachable(), expected);
    EXPECT_EQ(in_force.end(id), "");
    EXPECT_EQ(reachable(), everyone) << "healed";
  }
  EXPECT_EQ(tried.size(), 5u) << "halves, isolated, majority-minority, bridge, ring";
}

TEST_F(FaultsInForceTest, OverlappingFaultsAddUpAndEndOneByOne) {
  env::Environment& env = up();
  FaultsInForce in_force(env);
  Fault clog;
  clog.kind = FaultKind::clog;
  clog.nodes = {"n1"};
  Fault apart;
  apart.kind = FaultKind::partition;
  apart.groups = {{"n2"}, {"n3", "n4"}};
  apart.nodes = {"n2", "n3", "n4"};
  const int c = in_force.start(clog);
  const int p = in_force.start(apart);
  EXPECT_EQ(reachable(), (std::set<std::pair<std::string, std::string>>{{"n3", "n4"}, {"n4", "n3"}}));
  EXPECT_EQ(in_force.end(c), "");
  EXPECT_EQ(reachable(), (std::set<std::pair<std::string, std::string>>{
                             {"n1", "n2"}, {"n2", "n1"}, {"n1", "n3"}, {"n3", "n1"}, {"n1", "n4"}, {"n4", "n1"},
                             {"n3", "n4"}, {"n4", "n3"}}))
      << "the partition stays when the clog ends";
  EXPECT_EQ(in_force.end(p), "");
  EXPECT_EQ(reachable().size(), 12u);
}

TEST_F(FaultsInForceTest, NodeFaultsStopAndKillAndTheirEndBringsTheServiceBack) {
  env::Environment& env = up();
  FaultsInForce in_force(env);
  for (const FaultKind kind : {FaultKind::pause, FaultKind::kill, FaultKind::stop}) {
    SCOPED_TRACE(to_string(kind));
    Fault fault;
    fault.kind = kind;
    fault.nodes = {"n2"};
    const int id = in_force.start(fault);
    EXPECT_FALSE(answers("n1", "n2", 500)) << "it answers nothing";
    EXPECT_EQ(env.status("n2").state == env::ServiceState::exited, kind != FaultKind::pause);
    EXPECT_EQ(env.status("n2").paused, kind == FaultKind::pause);
    EXPECT_EQ(in_force.end(id), "");
    EXPECT_TRUE(env.wait_until_ready("n2", Duration(20000)));
    EXPECT_TRUE(answers("n1", "n2")) << "back";
  }
  EXPECT_TRUE(in_force.active().empty());
}

TEST_F(FaultsInForceTest, AFaultThatCannotBeAppliedLeavesNothingInForce) {
  env::Environment& env = up();
  FaultsInForce in_force(env);
  Fault fault;
  fault.kind = FaultKind::pause;
  fault.nodes = {"nobody"};
  EXPECT_THROW(in_force.start(fault), std::exception);
  EXPECT_TRUE(in_force.active().empty());
  EXPECT_EQ(reachable().size(), 12u);
}

}  // namespace
}  // namespace faultline::faults
