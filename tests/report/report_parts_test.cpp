// The report's parts without a run: JSON inside a page, the reproduce line, findings, junit.xml's
// escaping and the merged log's bound.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "report/findings.h"
#include "report/html_page.h"
#include "report/junit.h"
#include "report/report.h"

namespace faultline::report {
namespace {

namespace fs = std::filesystem;

TEST(ScriptSafeJson, NothingInItCanEndTheScriptElementAndItReadsBackTheSame) {
  std::mt19937 random(7);
  const std::vector<std::string> pieces{"</script>", "<!--", "-->", "<script>", "&amp;", "\xe2\x80\xa8", "\xe2\x80\xa9",
                                        "</SCRIPT", "\"", "\\", "\n", "\x1b[31m", "x", "\xff"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (int i = 0; i < 6; ++i) text += pieces[random() % pieces.size()];
    const nlohmann::json data = {{"message", text}, {text.substr(0, 8), {text}}};
    const std::string safe = script_safe_json(data);
    for (const char* bad : {"<", ">", "&", "\xe2\x80\xa8", "\xe2\x80\xa9"}) ASSERT_EQ(safe.find(bad), std::string::npos) << safe;
    // Invalid UTF-8 is replaced, as the page's JSON.parse would never see it otherwise.
    const nlohmann::json back = nlohmann::json::parse(safe);
    const std::string dumped = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ASSERT_EQ(back, nlohmann::json::parse(dumped));
  }
}

TEST(ReproduceCommand, KeepsWhatWasRunWithItsSeedAndDropsTheRunsOwnOutput) {
  const nlohmann::json info = {
      {"seed", "18446744073709551615"},
      {"arguments",
       {"/usr/local/bin/faultline", "run", "my template", "--out", "/tmp/r", "--seed=4", "--compare", "x", "--duration", "2m",
        "--seed", "5", "it's"}}};
  EXPECT_EQ(reproduce_command(info),
            "faultline run 'my template' --duration 2m 'it'\\''s' --seed 18446744073709551615");
  EXPECT_EQ(reproduce_command(nlohmann::json::object()), "faultline run");
  EXPECT_EQ(reproduce_command({{"working_directory", "/home/me/my tests"}, {"arguments", {"faultline", "run", "."}}}),
            "cd '/home/me/my tests' && faultline run .");
}

Property property(const std::string& name, bool passed) {
  Property p;
  p.id = name;
  p.assert_type = "always";
  p.must_hit = false;
  p.fails = passed ? 0 : 1;
  return p;
}

TEST(Findings, EachPropertyIsNewFailingResolvedStillFailingOrPassing) {
  const std::vector<Property> now{property("a", false), property("b", false), property("c", true), property("d", true)};
  const std::map<std::string, bool> before{{"b", false}, {"c", false}, {"d", true}, {"gone", false}, {"gone ok", true}};
  const Findings f = compare(now, before, "/runs/earlier");
  EXPECT_EQ(f.new_failing, std::vector<std::string>{"a"});
  EXPECT_EQ(f.still_failing, std::vector<std::string>{"b"});
  EXPECT_EQ(f.resolved, (std::vector<std::string>{"c", "gone"}));
  EXPECT_EQ(f.passing, std::vector<std::string>{"d"});
  EXPECT_EQ(f.by_property.at("a"), Finding::new_failing);
  EXPECT_EQ(f.by_property.at("c"), Finding::resolved);
  EXPECT_STREQ(to_string(Finding::still_failing), "still failing");
}

TEST(Junit, HoldsNoControlCharacterAndEscapesMarkup) {
  const nlohmann::json report = {
      {"run", {{"project", "p<&>"}, {"seed", "1"}, {"started", "2026-12-02T00:00:00Z"}, {"duration_ms", 1500}, {"reproduce", "faultline run ."}}},
      {"properties",
       {{{"name", "bell\a esc\x1b[2J <tag> & \"q\""},
         {"group", "Always"},
         {"type", "Always"},
         {"status", "failed"},
         {"passes", 0},
         {"fails", 1},
         {"counterexamples", {{{"timeline", 1}, {"t_ms", 10}, {"service", "s\x01"}, {"details", {{"k", "v\x02<x>"}}}}}}},
        {{"name", "fine"}, {"group", "Built-in"}, {"type", "Sometimes"}, {"status", "passed"}, {"passes", 3}, {"fails", 0}}}}};
  const std::string xml = junit_xml(report);
  for (char c : xml) {
    const auto u = static_cast<unsigned char>(c);
    ASSERT_TRUE(u >= 0x20 || c == '\n' || c == '\t') << "control character " << static_cast<int>(u);
  }
  EXPECT_EQ(xml.find("<tag>"), std::string::npos);
  EXPECT_EQ(xml.find("<x>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;tag&gt; &amp; &quot;q&quot;"), std::string::npos) << xml;
  EXPECT_NE(xml.find("classname=\"faultline.Built_in\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("time=\"1.500\""), std::string::npos) << xml;
}

class TempFolder {
 public:
  TempFolder() {
    char name[] = "/tmp/faultline-report-XXXXXX";
    path_ = mkdtemp(name);
  }
  ~TempFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(MergedLog, PastItsBoundKeepsTheLinesAroundCounterexamplesFirst) {
  TempFolder dir;
  const events::RunDirectory run(dir.path());
  fs::create_directories(run.logs(1));
  {
    std::ofstream service(run.log(1, "db"));
    for (int i = 0; i < 1000; ++i) service << i / 100.0 << " stdout line " << i << "\n";  // every 10 ms for 10 s
    std::ofstream command(run.log(1, events::RunDirectory::command_log_source(3, "parallel_driver_x")));
    command << "7.5 stderr from the command\n";
    command << "not a log line\n";
  }
  Report report = evaluate_events({{{"type", "timeline_started"}, {"timeline", 1}, {"t", 0}},
                                   {{"type", "command_started"}, {"timeline", 1}, {"invocation", 3}, {"command", "parallel_driver_x"},
                                    {"kind", "parallel_driver_"}, {"service", "db"}, {"t", 7000}},
                                   {{"type", "command_finished"}, {"timeline", 1}, {"invocation", 3}, {"command", "parallel_driver_x"},
                                    {"service", "db"}, {"status", 1}, {"t", 8000}}});
  ReportOptions options;
  options.log_window = std::chrono::milliseconds(500);
  options.max_log_lines = 150;
  const nlohmann::json log = merged_log(run, report, options);
  ASSERT_EQ(log["lines"].size(), 150u);
  EXPECT_EQ(log["omitted"], 1000 + 1 + 2 - 150);  // db's lines, the command's, its start and exit
  // The counterexample (the command's exit at 8 s) has every line of its window.
  int around = 0;
  for (const auto& line : log["lines"]) around += line[0].get<double>() >= 7500 && line[0].get<double>() <= 8500;
  EXPECT_EQ(around, 101 + 1 + 1);  // db's lines from 7.50 to 8.50 s, the command's line, its exit
  bool command_line = false;
  for (const auto& line : log["lines"]) {
    const auto& source = log["sources"][line[1].get<size_t>()];
    command_line |= source["kind"] == "command" && line[2] == "err" && line[3] == "from the command";
  }
  EXPECT_TRUE(command_line) << log.dump().substr(0, 2000);
}

}  // namespace
}  // namespace faultline::report
