// Whole runs whose processes write SDK lines of every wrong shape: the run ends normally, reports
// its other properties, and counts each bad line with its file and line number; a report rebuilt
// from an events.jsonl cut mid-line says where it was cut.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "run_support.h"

namespace faultline::testing {
namespace {

// One line per wrong shape, in this order, then a valid assertion, then half a line.
const std::vector<std::pair<std::string, std::string>> kWrongShapes = {
    {"echo 'not json at all'", "not JSON (column 2)"},
    {"echo '[1, 2, 3]'", "not a JSON object"},
    {R"(echo '{"antithesis_assert": {"hit": true, "message": 5}}')", "antithesis_assert.message: not a string"},
    {R"(echo '{"antithesis_assert": {"hit": "yes", "id": "x"}}')", "antithesis_assert.hit: not true or false"},
    {R"(echo '{"antithesis_assert": {"id": "no hit"}}')", "antithesis_assert.hit: missing"},
    {R"(echo '{"antithesis_assert": [true]}')", "antithesis_assert: not an object"},
    {R"(echo '{"antithesis_assert": {"hit": true, "id": "x", "location": {"begin_line": {}}}}')",
     "antithesis_assert.location.begin_line: not a whole number >= 0"},
    {R"(echo '{"faultline_counts": {"id": ["x"], "process": "p", "passes": 1, "fails": 0}}')",
     "faultline_counts.id: not a string"},
    {R"(echo '{"antithesis_setup": "done"}')", "antithesis_setup: not an object"},
    {R"(echo '{"faultline_stop_faults": {"seconds": "soon"}}')", "faultline_stop_faults.seconds: not a whole number >= 0"},
    {R"(printf '{"antithesis_assert": {"hit": true, "id": "\377\376"}}\n')", "invalid UTF-8 (column 44)"},
    {"head -c 100000 /dev/zero | tr '\\0' '['; echo", "nested deeper than 64 levels"},
    {"head -c 20000000 /dev/zero | tr '\\0' 'a'; echo", "longer than 1048576 bytes"},
};

const std::string kValid =
    R"(echo '{"antithesis_assert": {"id": "Counted after the garbage", "message": "Counted after the garbage", "hit": true, "must_hit": true, "assert_type": "always", "display_type": "Always", "condition": true, "details": null}}')";

std::string garbage_body() {
  std::string body;
  for (const auto& [command, problem] : kWrongShapes) body += "{ " + command + "; } >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl\n";
  body += kValid + " >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl\n";
  // A writer killed mid-line: nothing completes it.
  body += R"(printf '{"antithesis_assert": {"hit": tr' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl)";
  return body;
}

TEST(MalformedSdkLines, EveryWrongShapeIsCountedWithItsLineAndTheRunGoesOn) {
  SyntheticTemplate t;
  t.command("first_garbage", garbage_body());
  t.command("parallel_driver_ok", "true");
  const RunRecord r = t.run({"--duration", "2s"});
  EXPECT_EQ(r.exit_status, 0) << r.output;
  ASSERT_TRUE(r.report.is_object()) << r.output;

  const nlohmann::json* counted = r.property("Counted after the garbage");
  ASSERT_NE(counted, nullptr) << r.report.dump(2);
  EXPECT_EQ(counted->value("status", ""), "passed");
  EXPECT_EQ(r.property("parallel_driver_ok exits 0")->value("status", ""), "passed");
  EXPECT_EQ(r.property("first_garbage exits 0")->value("status", ""), "passed");
  EXPECT_EQ(r.property(""), nullptr) << "an assertion without a usable name is no property";

  const nlohmann::json& invalid = r.report.at("invalid_sdk_lines");
  const size_t expected = kWrongShapes.size() + 1;  // and the half line
  EXPECT_EQ(invalid.value("count", 0u), expected) << invalid.dump(2);
  ASSERT_EQ(invalid.at("by_file").size(), 1u) << invalid.dump(2);
  const std::string file = invalid.at("by_file").begin().key();
  EXPECT_EQ(file.rfind("timelines/1/sdk/commands/", 0), 0u) << file;
  const nlohmann::json& first = invalid.at("first");
  ASSERT_EQ(first.size(), 10u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].value("file", ""), file);
    EXPECT_EQ(first[i].value("line", 0u), i + 1);
    EXPECT_EQ(first[i].value("problem", ""), kWrongShapes[i].second) << "line " << i + 1;
  }
  // The rest, in events.jsonl: every line's problem, the huge line's text kept with its marker.
  std::vector<nlohmann::json> rejected;
  for (const auto& e : r.events) {
    if (e.value("type", "") == "sdk_invalid") rejected.push_back(e);
  }
  ASSERT_EQ(rejected.size(), expected);
  for (size_t i = 0; i < kWrongShapes.size(); ++i) {
    EXPECT_EQ(rejected[i].value("problem", ""), kWrongShapes[i].second);
    EXPECT_EQ(rejected[i].value("line_number", 0u), i + 1);
  }
  const std::string huge = rejected[kWrongShapes.size() - 1].value("text", "");
  EXPECT_EQ(huge, std::string(4096, 'a') + "... [cut: 20000000 bytes in all]");
  EXPECT_EQ(rejected.back().value("problem", ""), "cut mid-line (not JSON (column 33))");
  EXPECT_EQ(rejected.back().value("line_number", 0u), expected + 1);

  EXPECT_NE(r.output.find("invalid SDK lines: " + std::to_string(expected) + " in 1 file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":3: antithesis_assert.message: not a string"), std::string::npos) << r.output;
}

TEST(MalformedSdkLines, AReportFromEventsCutMidLineSaysWhereAndKeepsTheRest) {
  SyntheticTemplate t;
  t.command("parallel_driver_ok", R"(echo '{"antithesis_assert": {"id": "Before the cut", "hit": true, "condition": true, "assert_type": "always"}}' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl)");
  const RunRecord whole = t.run({"--duration", "1s"});
  ASSERT_EQ(whole.exit_status, 0) << whole.output;
  // The runner SIGKILLed while writing: the last event is half there, run_finished never came.
  const auto out = t.path() / "run-1";
  std::stringstream all;
  all << std::ifstream(out / "events.jsonl").rdbuf();
  std::string text = all.str();
  const size_t last = text.rfind('\n', text.size() - 2);
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(last) + 1, '\n'));
  text.resize(last + 1 + (text.size() - last - 1) / 2);
  std::ofstream(out / "events.jsonl", std::ios::trunc) << text;
  std::filesystem::remove(out / "report.json");

  std::string output;
  EXPECT_EQ(testing::run({FAULTLINE_BIN, "report", out.string()}, {}, &output), 0) << output;
  const std::string where = (out / "events.jsonl").string() + ":" + std::to_string(lines + 1) + ": cut mid-line";
  EXPECT_NE(output.find("events: " + where), std::string::npos) << output;
  RunRecord r;
  SyntheticTemplate::read_into(out, r);
  ASSERT_TRUE(r.report.is_object());
  ASSERT_EQ(r.report.at("unreadable_events").size(), 1u);
  EXPECT_EQ(r.report.at("unreadable_events")[0].value("line", 0u), lines + 1);
  const nlohmann::json* before = r.property("Before the cut");
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->value("status", ""), "passed");
}

}  // namespace
}  // namespace faultline::testing
