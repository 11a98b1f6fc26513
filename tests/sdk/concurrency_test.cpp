// Many processes and threads appending to one file: every line whole, none lost, none doubled.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sdk_lines.h"
#include "subprocess.h"

namespace faultline::testing {
namespace {

TEST(Concurrency, ProcessesAndThreadsShareOneFileWithoutTornLines) {
  constexpr int kProcesses = 6, kThreads = 4, kEvents = 400;
  TempDir dir;
  std::vector<Child> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(start({STRESS_PROGRAM, "p" + std::to_string(p), std::to_string(kThreads),
                              std::to_string(kEvents)},
                             {{"ANTITHESIS_SDK_LOCAL_OUTPUT", ""},
                              {"ANTITHESIS_OUTPUT_DIR", dir.path().string()}}));
  }
  for (Child& child : children) ASSERT_EQ(wait_for(child), 0);

  const std::vector<nlohmann::json> lines = read_json_lines(dir.path() / "sdk.jsonl");
  std::set<std::tuple<std::string, int, int>> seen;
  for (const nlohmann::json& line : lines) {
    if (!line.contains("stress")) continue;
    const nlohmann::json& e = line["stress"];
    ASSERT_EQ(e["pad"].get<std::string>().size(), 300u);
    EXPECT_TRUE(seen.emplace(e["tag"], e["thread"], e["seq"]).second) << "duplicate line " << e;
  }
  EXPECT_EQ(seen.size(), size_t{kProcesses} * kThreads * kEvents);

  // Counts are exact per process even with every thread evaluating the same assertion.
  uint64_t passes = 0;
  std::set<std::string> processes;
  std::map<std::string, uint64_t> last_per_process;
  for (const nlohmann::json& line : lines) {
    if (!line.contains("faultline_counts")) continue;
    last_per_process[line["faultline_counts"]["process"]] = line["faultline_counts"]["passes"];
  }
  for (const auto& [process, count] : last_per_process) passes += count;
  EXPECT_EQ(last_per_process.size(), size_t{kProcesses});
  EXPECT_EQ(passes, uint64_t{kProcesses} * kThreads * kEvents);
}

}  // namespace
}  // namespace faultline::testing
