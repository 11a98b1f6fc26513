// The fault schedule and the translation of faults into network conditions, without namespaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "env/yaml_tree.h"
#include "faults/config.h"
#include "faults/network.h"
#include "faults/planner.h"

namespace faultline::faults {
namespace {

const std::vector<std::string> kTargets = {"n1", "n2", "n3", "n4", "n5"};
const std::vector<std::string> kServices = {"client", "n1", "n2", "n3", "n4", "n5"};

FaultConfig all_kinds() {
  FaultConfig config;
  config.kinds = parse_fault_kinds("all");
  config.kinds.erase(FaultKind::custom);
  return config;
}

std::vector<std::string> signature(FaultPlanner& planner, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const Duration gap = planner.next_gap();
    const std::optional<Fault> f = planner.next_fault({}, {});
    out.push_back(std::to_string(gap.count()) + " " + (f ? f->describe() + " " + std::to_string(f->duration.count()) : "-"));
  }
  return out;
}

TEST(FaultPlanner, TheSameSeedGivesTheSameScheduleAndAnotherSeedAnother) {
  FaultPlanner a(42, all_kinds(), kTargets, kServices, {}), b(42, all_kinds(), kTargets, kServices, {}),
      c(43, all_kinds(), kTargets, kServices, {});
  const auto sa = signature(a, 50), sb = signature(b, 50), sc = signature(c, 50);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(FaultPlanner, DrawsEveryEnabledKindWithinItsBounds) {
  FaultConfig config = all_kinds();
  config.min_duration = Duration(1000);
  config.max_duration = Duration(3000);
  FaultPlanner planner(7, config, kTargets, kServices, {});
  std::set<FaultKind> kinds;
  std::set<PartitionShape> shapes;
  for (int i = 0; i < 2000; ++i) {
    const std::optional<Fault> f = planner.next_fault({}, {});
    ASSERT_TRUE(f);
    kinds.insert(f->kind);
    EXPECT_GE(f->duration.count(), 1000);
    EXPECT_LE(f->duration.count(), 3000);
    ASSERT_FALSE(f->nodes.empty());
    for (const std::string& node : f->nodes) {
      if (f->kind != FaultKind::loss) {
        EXPECT_NE(std::find(kTargets.begin(), kTargets.end(), node), kTargets.end()) << node;
      }
    }
    if (f->kind == FaultKind::loss) {
      EXPECT_TRUE(f->percent >= 10 && f->percent <= 50);
    }
    if (f->kind == FaultKind::latency) {
      EXPECT_LE(f->jitter, f->latency);
    }
    if (f->kind == FaultKind::partition) shapes.insert(f->shape);
  }
  EXPECT_EQ(kinds, config.kinds);
  EXPECT_EQ(shapes.size(), 5u) << "five nodes allow every shape";
}

TEST(FaultPlanner, PartitionShapesCutWhomTheySay) {
  FaultConfig config;
  config.kinds = {FaultKind::partition};
  FaultPlanner planner(3, config, kTargets, kServices, {});
  std::set<PartitionShape> seen;
  for (int i = 0; i < 400; ++i) {
    const Fault f = *planner.next_fault({}, {});
    seen.insert(f.shape);
    std::set<std::string> covered;
    for (const auto& g : f.groups) covered.insert(g.begin(), g.end());
    EXPECT_EQ(covered, std::set<std::string>(kTargets.begin(), kTargets.end())) << f.describe();
    switch (f.shape) {
      case PartitionShape::halves:
        ASSERT_EQ(f.groups.size(), 2u);
        EXPECT_EQ(f.groups[0].size(), 2u);
        break;
      case PartitionShape::isolated:
        ASSERT_EQ(f.groups.size(), 2u);
        EXPECT_EQ(f.groups[0].size(), 1u);
        break;
      case PartitionShape::majority_minority:
        ASSERT_EQ(f.groups.size(), 2u);
        EXPECT_LT(f.groups[0].size(), f.groups[1].size());
        break;
      case PartitionShape::bridge:
        ASSERT_EQ(f.groups.size(), 2u);
        for (const auto& g : f.groups) EXPECT_NE(std::find(g.begin(), g.end(), f.bridge), g.end());
        break;
      case PartitionShape::ring: {
        ASSERT_EQ(f.groups.size(), 5u);
        std::set<std::set<std::string>> distinct;
        std::set<std::string> owners;
        for (const auto& g : f.groups) {
          EXPECT_GE(g.size(), 3u) << "each node sees a majority";
          distinct.insert(std::set<std::string>(g.begin(), g.end()));
          owners.insert(g.front());
        }
        EXPECT_EQ(distinct.size(), 5u) << "no two nodes see the same majority";
        EXPECT_EQ(owners.size(), 5u) << "one view per node, the node first";
        EXPECT_FALSE(network_conditions({f}, kServices).cuts.empty()) << "a ring cuts the far nodes";
        break;
      }
    }
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(FaultPlanner, NeverDrawsAConflictOrAnUnavailableKindOrADownNode) {
  FaultConfig config;
  config.kinds = {FaultKind::pause, FaultKind::kill, FaultKind::latency};
  FaultPlanner planner(9, config, {"a", "b"}, {"a", "b", "client"}, {});
  Fault paused;
  paused.kind = FaultKind::pause;
  paused.nodes = {"a"};
  Fault delayed;
  delayed.kind = FaultKind::latency;
  delayed.nodes = {"b"};
  for (int i = 0; i < 200; ++i) {
    const std::optional<Fault> f = planner.next_fault({paused, delayed}, {FaultKind::kill});
    ASSERT_TRUE(f);
    EXPECT_NE(f->kind, FaultKind::kill);
    if (f->kind == FaultKind::pause) {
      EXPECT_EQ(f->nodes, std::vector<std::string>{"b"});
    }
    if (f->kind == FaultKind::latency) {
      EXPECT_EQ(f->nodes, std::vector<std::string>{"a"});
    }
    const std::optional<Fault> g = planner.next_fault({}, {}, {"a"});
    ASSERT_TRUE(g);
    EXPECT_EQ(g->nodes, std::vector<std::string>{"b"}) << "a is down";
  }
  EXPECT_FALSE(planner.next_fault({paused, delayed}, {FaultKind::pause, FaultKind::kill, FaultKind::latency}));
}

TEST(FaultPlanner, ClockFaultsGoOnlyWhereTheyReach) {
  FaultConfig config;
  config.kinds = {FaultKind::clock, FaultKind::pause};
  FaultPlanner planner(13, config, kTargets, kServices, {});
  planner.set_clock_targets({"n2"});
  int clocks = 0;
  for (int i = 0; i < 300; ++i) {
    const Fault f = *planner.next_fault({}, {});
    if (f.kind != FaultKind::clock) continue;
    ++clocks;
    EXPECT_EQ(f.nodes, std::vector<std::string>{"n2"});
    EXPECT_NE(f.clock_offset.count(), 0);
  }
  EXPECT_GT(clocks, 0);
  planner.set_clock_targets({});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(planner.next_fault({}, {})->kind, FaultKind::pause) << "no clock reachable";
}

TEST(FaultPlanner, GapsHaveTheConfiguredMean) {
  FaultConfig config = all_kinds();
  config.rate_per_minute = 12;  // one every 5 s
  FaultPlanner planner(11, config, kTargets, kServices, {});
  double total = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) total += static_cast<double>(planner.next_gap().count());
  EXPECT_NEAR(total / n, 5000, 250);
}

bool cut(const env::NetworkConditions& c, const std::string& from, const std::string& to) {
  return std::any_of(c.cuts.begin(), c.cuts.end(), [&](const env::NetworkConditions::Cut& cut) {
    return std::find(cut.from.begin(), cut.from.end(), from) != cut.from.end() &&
           std::find(cut.to.begin(), cut.to.end(), to) != cut.to.end();
  });
}

TEST(NetworkConditions, PartitionsCutBetweenGroupsOnly) {
  Fault f;
  f.kind = FaultKind::partition;
  f.groups = {{"n1", "n2"}, {"n3", "n4", "n5"}};
  f.nodes = kTargets;
  const env::NetworkConditions c = network_conditions({f}, kServices);
  for (const std::string& a : kServices) {
    for (const std::string& b : kServices) {
      const bool a_left = a == "n1" || a == "n2", b_left = b == "n1" || b == "n2";
      const bool across = a != "client" && b != "client" && a_left != b_left;
      EXPECT_EQ(cut(c, a, b), across) << a << " -> " << b;
    }
  }
  f.one_way = true;
  const env::NetworkConditions one = network_conditions({f}, kServices);
  EXPECT_TRUE(cut(one, "n1", "n3"));
  EXPECT_FALSE(cut(one, "n3", "n1"));
}

TEST(NetworkConditions, ABridgeNodeReachesBothSidesAndAClogReachesNoOne) {
  Fault bridge;
  bridge.kind = FaultKind::partition;
  bridge.shape = PartitionShape::bridge;
  bridge.bridge = "n3";
  bridge.groups = {{"n1", "n2", "n3"}, {"n4", "n5", "n3"}};
  bridge.nodes = kTargets;
  const env::NetworkConditions b = network_conditions({bridge}, kServices);
  EXPECT_TRUE(cut(b, "n1", "n4"));
  EXPECT_FALSE(cut(b, "n3", "n1"));
  EXPECT_FALSE(cut(b, "n3", "n5"));
  EXPECT_FALSE(cut(b, "n5", "n3"));

  Fault clog;
  clog.kind = FaultKind::clog;
  clog.nodes = {"n2"};
  const env::NetworkConditions c = network_conditions({clog, bridge}, kServices);
  for (const std::string& s : kServices) {
    if (s == "n2") continue;
    EXPECT_TRUE(cut(c, "n2", s));
    EXPECT_TRUE(cut(c, s, "n2"));
  }
  EXPECT_TRUE(cut(c, "n1", "n4")) << "overlapping faults add up";
}

TEST(NetworkConditions, LossLatencyAndBandwidth) {
  Fault pair;
  pair.kind = FaultKind::loss;
  pair.nodes = {"n1", "n2"};
  pair.percent = 30;
  Fault node;
  node.kind = FaultKind::loss;
  node.nodes = {"n3"};
  node.percent = 20;
  Fault slow;
  slow.kind = FaultKind::latency;
  slow.nodes = {"n4"};
  slow.latency = Duration(100);
  slow.jitter = Duration(20);
  Fault thin;
  thin.kind = FaultKind::bandwidth;
  thin.nodes = {"n5"};
  thin.bits_per_second = 256000;
  const env::NetworkConditions c = network_conditions({pair, node, slow, thin}, kServices);
  EXPECT_EQ(c.losses.size(), 2u + 2u * 5u);
  EXPECT_EQ(c.delays.size(), 1u);
  EXPECT_EQ(c.delays[0].mean, Duration(100));
  ASSERT_EQ(c.bandwidths.size(), 1u);
  EXPECT_EQ(c.bandwidths[0].bits_per_second, 256000u);
  EXPECT_TRUE(network_conditions({}, kServices).empty());
  // Two losses on one pair drop as both would (the backend takes one loss per direction).
  Fault again = pair;
  again.percent = 50;
  const env::NetworkConditions twice = network_conditions({pair, again}, kServices);
  ASSERT_EQ(twice.losses.size(), 2u);
  EXPECT_EQ(twice.losses[0].percent, 65) << "1 - 0.7 x 0.5";
}

TEST(FaultConfig, KindsAndSettingsFromTheCommandLineAndTheComposeFile) {
  EXPECT_EQ(parse_fault_kinds("none"), std::set<FaultKind>{});
  EXPECT_EQ(parse_fault_kinds("network,kill").size(), 6u);
  EXPECT_EQ(parse_fault_kinds("node"), (std::set<FaultKind>{FaultKind::pause, FaultKind::kill, FaultKind::stop, FaultKind::custom}));
  EXPECT_EQ(parse_fault_kinds("all").size(), all_fault_kinds().size());
  try {
    parse_fault_kinds("network,meteor");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"meteor\""), std::string::npos);
  }
  env::Project project;
  project.services["db"];
  project.services["client"];
  project.x_faultline = env::load_yaml_text("faults:\n  kinds: [partition, pause]\n  rate: 2\n  max_duration: 4s\n"
                                            "  exclude: [db]\n", "compose.yaml");
  const FaultConfig config = fault_config_of(project);
  EXPECT_EQ(config.kinds, (std::set<FaultKind>{FaultKind::partition, FaultKind::pause}));
  EXPECT_EQ(config.rate_per_minute, 2);
  EXPECT_EQ(config.max_duration, Duration(4000));
  EXPECT_TRUE(fault_targets(config, project, {}).size() == 1 && fault_targets(config, project, {})[0] == "client");
  EXPECT_TRUE(fault_targets(fault_config_of(env::Project{}), project, {"client"}) == std::vector<std::string>{"db"})
      << "by default, every service that holds no template";

  project.x_faultline = env::load_yaml_text("faults:\n  rate: many\n", "compose.yaml");
  try {
    fault_config_of(project);
    FAIL();
  } catch (const env::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("compose.yaml:2:9: x-faultline.faults.rate"), std::string::npos) << e.what();
  }
  project.x_faultline = env::load_yaml_text("faults:\n  targets: [nobody]\n", "compose.yaml");
  EXPECT_THROW(fault_targets(fault_config_of(project), project, {}), env::ConfigError);
}

}  // namespace
}  // namespace faultline::faults
