// Operation histories as the SDK records them: one line per event, completions as given, a new
// process after an unknown outcome, and an abandoned operation recorded as unknown.
#include <gtest/gtest.h>

#include <set>

#include "subprocess.h"

namespace faultline::testing {
namespace {

TEST(History, RecordsEventsWithJepsenSemantics) {
  TempDir dir;
  ASSERT_EQ(run({HISTORY_PROGRAM}, {{"ANTITHESIS_OUTPUT_DIR", dir.path().string()}, {"ANTITHESIS_SDK_LOCAL_OUTPUT", ""}}), 0);
  const std::vector<nlohmann::json> lines = read_json_lines(dir.path() / "history.jsonl");
  ASSERT_EQ(lines.size(), 11u);
  std::vector<std::string> types;
  std::set<int64_t> processes;
  int64_t last_time = 0;
  for (const auto& line : lines) {
    const nlohmann::json& e = line.at("faultline_history");
    types.push_back(e.value("type", "") + " " + e.value("f", ""));
    processes.insert(e.at("process").get<int64_t>());
    EXPECT_GE(e.at("time").get<int64_t>(), last_time) << "monotonic timestamps";
    last_time = e.at("time").get<int64_t>();
  }
  EXPECT_EQ(types, (std::vector<std::string>{"invoke put", "ok put", "invoke get", "ok get", "invoke put", "fail put",
                                             "invoke put", "info put", "invoke get", "info get", "invoke read"}));
  EXPECT_EQ(lines[3]["faultline_history"]["value"], "v1") << "a read's result";
  EXPECT_EQ(lines[0]["faultline_history"]["key"], "k");
  EXPECT_EQ(lines[1]["faultline_history"]["value"], "v1") << "a write's completion carries its value";
  // The client changed process after each unknown outcome (the id after the last one is never
  // used); the C ABI line has a process of its own.
  EXPECT_EQ(processes.size(), 3u);
  EXPECT_EQ(lines[6]["faultline_history"]["process"], lines[7]["faultline_history"]["process"]);
  EXPECT_NE(lines[7]["faultline_history"]["process"], lines[8]["faultline_history"]["process"]);
}

TEST(History, NoOutputDirectoryWritesNothing) {
  TempDir dir;
  EXPECT_EQ(run({HISTORY_PROGRAM}, {{"ANTITHESIS_OUTPUT_DIR", ""}}), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace faultline::testing
