// The etcd example for 60 s against a real three-member cluster: the tutorial's five properties
// with the statuses a run without faults must give, every other property of the template holding,
// and nothing left afterwards.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run_support.h"

namespace faultline::testing {
namespace {

// Processes of this machine named `name` (their comm).
int processes_named(const std::string& name) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream comm(entry.path() / "comm");
    std::string text;
    if (std::getline(comm, text) && text == name) ++count;
  }
  return count;
}

TEST(EtcdExample, TutorialPropertiesHoldWithoutFaultsAndNothingIsLeft) {
  TempDir dir;
  const auto out = dir.path() / "run";
  std::string output;
  const int status = run({FAULTLINE_BIN, "run", std::string(EXAMPLES_DIR) + "/etcd", "--duration", "60s", "--timeline",
                          "20s", "--seed", "2026", "--out", out.string(), "--quiet"},
                         {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}, {"FAULTLINE_ETCD_EXAMPLE", ETCD_EXAMPLE_BUILD}},
                         &output);
  RunRecord r;
  SyntheticTemplate::read_into(out, r);
  ASSERT_TRUE(r.report.is_object()) << output;
  EXPECT_EQ(status, 1) << "without faults, the tutorial's \"can fail\" properties fail\n" << output;

  const auto status_of = [&](const std::string& name) {
    const nlohmann::json* p = r.property(name);
    return p ? p->value("status", "") : "missing";
  };
  EXPECT_EQ(status_of("Database key values stay consistent"), "passed");
  EXPECT_EQ(status_of("Client can make successful put requests"), "passed");
  EXPECT_EQ(status_of("Client can make successful get requests"), "passed");
  EXPECT_EQ(status_of("Client put requests can fail"), "failed");
  EXPECT_EQ(status_of("Client get requests can fail"), "failed");
  EXPECT_GT(r.property("Database key values stay consistent")->value("passes", 0), 0);
  // Every put and get the driver recorded, checked against the key-value model per timeline.
  EXPECT_EQ(status_of("History is linearizable"), "passed");

  // Everything else the template asserts holds in a healthy cluster.
  for (const nlohmann::json& p : r.report.at("properties")) {
    const std::string name = p.value("name", "");
    if (name.find("can fail") != std::string::npos || name.find("at least once") != std::string::npos) continue;
    EXPECT_EQ(p.value("status", ""), "passed") << name << ": " << p.dump();
  }
  EXPECT_GE(r.timelines().size(), 2u);
  EXPECT_EQ(processes_named("etcd"), 0) << "an etcd outlived the run";
}

}  // namespace
}  // namespace faultline::testing
