// The triage report of whole runs: report.json, junit.xml and report.html as a run writes them,
// rebuilt from the run directory alone, findings against an earlier run, and the runs page.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "run_support.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// The JSON a page embeds in its <script type="application/json"> element.
nlohmann::json embedded_data(const std::string& page) {
  const size_t start = page.find("type=\"application/json\"");
  if (start == std::string::npos) return nullptr;
  const size_t from = page.find('>', start) + 1;
  const size_t end = page.find("</script>", from);
  return nlohmann::json::parse(page.substr(from, end - from), nullptr, false);
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::string kHostile = "</script><img src=x onerror=alert(1)>";

// A template whose runs fail in known ways: an Always assertion with a hostile message fails,
// a Sometimes assertion passes, a command exits 3; services and commands print lines.
class FailingTemplate : public SyntheticTemplate {
 public:
  FailingTemplate() {
    // Services that hold no test commands, for faults to reach; they print a line every 100 ms.
    std::ofstream(path() / "compose.yaml", std::ios::app)
        << "  db:\n    command: [\"/bin/sh\", \"-c\", \"while true; do echo db tick; sleep 0.1; done\"]\n"
        << "  db2:\n    command: [\"/bin/sh\", \"-c\", \"while true; do echo db2 tock >&2; sleep 0.1; done\"]\n";
    command("parallel_driver_assert",
            "echo driver says hello\n"
            "echo '{\"antithesis_assert\":{\"id\":\"" + kHostile + "\",\"message\":\"" + kHostile +
                "\",\"condition\":false,\"display_type\":\"Always\",\"hit\":true,\"must_hit\":true,\"assert_type\":"
                "\"always\",\"location\":{\"file\":\"main.c\",\"function\":\"put\",\"class\":\"\",\"begin_line\":12,"
                "\"begin_column\":1},\"details\":{\"html\":\"<b>x</b>\",\"url\":\"javascript:alert(1)\"}}}' >> "
                "$ANTITHESIS_OUTPUT_DIR/sdk.jsonl\n"
                "echo '{\"antithesis_assert\":{\"id\":\"a get returns\",\"message\":\"a get returns\",\"condition\":"
                "true,\"display_type\":\"Sometimes\",\"hit\":true,\"must_hit\":true,\"assert_type\":\"sometimes\","
                "\"location\":{\"file\":\"main.c\",\"function\":\"get\",\"class\":\"\",\"begin_line\":20,\"begin_column\":"
                "1},\"details\":null}}' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl\n"
                "sleep 0.2");
    command("parallel_driver_fail", "echo failing now >&2; sleep 0.1; exit 3");
  }
};

TEST(Report, AFailingRunReportsItsPropertiesCommandsFaultsAndTimelines) {
  FailingTemplate t;
  const RunRecord r = t.run({"--duration", "3s", "--timeline", "3s", "--seed", "11", "--faults", "partition", "--fault-rate", "60"});
  ASSERT_EQ(r.exit_status, 1) << r.output;
  const fs::path dir = t.path() / "run-1";
  const nlohmann::json& report = r.report;
  ASSERT_TRUE(report.is_object()) << read_file(dir / "report.json");
  EXPECT_EQ(report["schema"], "faultline-report");
  EXPECT_EQ(report["schema_version"], 1);
  EXPECT_EQ(report["run"]["seed"], "11");
  EXPECT_EQ(report["run"]["exit_status"], 1);
  EXPECT_NE(report["run"]["reproduce"].get<std::string>().find("--seed 11"), std::string::npos);
  EXPECT_EQ(report["run"]["reproduce"].get<std::string>().find("--out"), std::string::npos);
  EXPECT_EQ(report["verdict"]["status"], "failed");

  // Failing properties come first; the hostile one is an Always with where it is declared.
  const nlohmann::json& properties = report["properties"];
  const int failing = report["verdict"]["failing"];
  ASSERT_GE(failing, 2);
  for (int i = 0; i < static_cast<int>(properties.size()); ++i) EXPECT_EQ(properties[i]["status"] == "failed", i < failing) << i;
  const auto property = [&](const std::string& name) {
    for (const auto& p : properties) {
      if (p["name"] == name) return p;
    }
    ADD_FAILURE() << "no property " << name;
    return nlohmann::json();
  };
  const nlohmann::json hostile = property(kHostile);
  EXPECT_EQ(hostile["group"], "Always");
  EXPECT_EQ(hostile["location"]["file"], "main.c");
  EXPECT_EQ(hostile["location"]["line"], 12);
  EXPECT_EQ(hostile["location"]["function"], "put");
  ASSERT_FALSE(hostile["counterexamples"].empty());
  const nlohmann::json& first = hostile["counterexamples"][0];
  EXPECT_TRUE(first["service"] == "box" || first["service"] == "other") << first.dump();
  EXPECT_EQ(first["command"], "parallel_driver_assert");
  EXPECT_EQ(first["details"]["html"], "<b>x</b>");
  ASSERT_TRUE(first["since_setup_ms"].is_number());
  EXPECT_GE(first["since_setup_ms"].get<double>(), 0);
  EXPECT_LT(first["since_setup_ms"].get<double>(), first["t_ms"].get<double>());
  EXPECT_EQ(property("a get returns")["group"], "Sometimes");
  EXPECT_EQ(property("a get returns")["status"], "passed");
  EXPECT_EQ(property("parallel_driver_fail exits 0")["group"], "Built-in");
  EXPECT_EQ(property("parallel_driver_fail exits 0")["status"], "failed");

  // Commands by kind and exit status, as the invocations were recorded.
  std::map<std::string, int> by_status;
  for (const Invocation& i : r.invocations) {
    if (i.end >= 0) ++by_status[std::to_string(i.status)];
  }
  ASSERT_EQ(report["counts"]["commands"].size(), 1u);
  const nlohmann::json& drivers = report["counts"]["commands"][0];
  EXPECT_EQ(drivers["kind"], "parallel_driver");
  EXPECT_EQ(drivers["invocations"], r.invocations.size());
  EXPECT_GT(drivers["by_status"].value("3", 0), 0);
  EXPECT_GT(drivers["by_status"].value("0", 0), 0);
  for (const auto& [status, n] : by_status) EXPECT_EQ(drivers["by_status"].value(status, 0), n) << status;
  EXPECT_EQ(report["commands"].size(), r.invocations.size());
  for (const auto& c : report["commands"]) EXPECT_TRUE(fs::exists(dir / c["log"].get<std::string>())) << c.dump();

  // Faults with their ends; counted by kind.
  ASSERT_FALSE(report["faults"].empty()) << r.output;
  for (const auto& f : report["faults"]) {
    EXPECT_EQ(f["name"], "partition");
    ASSERT_TRUE(f["end_ms"].is_number()) << f.dump();
    EXPECT_LT(f["start_ms"].get<double>(), f["end_ms"].get<double>());
    EXPECT_FALSE(f["details"]["partitions"].empty());
  }
  EXPECT_EQ(report["counts"]["faults"]["partition"], report["faults"].size());

  // The timeline: its services, setup, phases and the assertion failures' marks.
  ASSERT_EQ(report["timelines"].size(), 1u);
  const nlohmann::json& timeline = report["timelines"][0];
  std::set<std::string> services;
  for (const auto& s : timeline["services"]) services.insert(s["name"].get<std::string>());
  EXPECT_EQ(services, (std::set<std::string>{"box", "other", "db", "db2"}));
  EXPECT_TRUE(timeline["setup_ms"].is_number());
  bool drivers_phase = false;
  for (const auto& p : timeline["phases"]) drivers_phase |= p["phase"] == "drivers";
  EXPECT_TRUE(drivers_phase);
  EXPECT_EQ(timeline["assertion_failures"].size(), hostile["fails"].get<size_t>());

  // junit.xml: a test case per property, a failure per failing one, the hostile text escaped.
  const std::string junit = read_file(dir / "junit.xml");
  EXPECT_EQ(count_of(junit, "<testcase "), properties.size());
  EXPECT_EQ(count_of(junit, "<failure "), static_cast<size_t>(failing));
  EXPECT_EQ(junit.find("<img"), std::string::npos);
  EXPECT_NE(junit.find("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);

  // report.html holds report.json and the merged log, with no markup from the data.
  const std::string page = read_file(dir / "report.html");
  EXPECT_EQ(page.find(kHostile), std::string::npos);
  EXPECT_EQ(page.find("<b>x</b>"), std::string::npos);
  nlohmann::json data = embedded_data(page);
  ASSERT_TRUE(data.is_object());
  const nlohmann::json log = data["log"];
  data.erase("log");
  data.erase("settings");
  EXPECT_EQ(data, report);
  std::set<std::string> kinds;
  double previous = -1;
  for (const auto& line : log["lines"]) {
    kinds.insert(log["sources"][line[1].get<size_t>()]["kind"].get<std::string>());
    EXPECT_GE(line[0].get<double>(), previous);
    previous = line[0].get<double>();
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"service", "command", "faults", "composer"}));
  EXPECT_NE(log.dump().find("driver says hello"), std::string::npos);
  EXPECT_NE(log.dump().find("failing now"), std::string::npos);

  // Rebuilt from the run directory alone: the same report.json and junit.xml.
  const std::string json_before = read_file(dir / "report.json");
  fs::remove(dir / "report.json");
  fs::remove(dir / "junit.xml");
  fs::remove(dir / "report.html");
  std::string output;
  EXPECT_EQ(run({FAULTLINE_BIN, "report", dir.string()}, {}, &output, true), 1) << output;
  EXPECT_EQ(read_file(dir / "report.json"), json_before);
  EXPECT_EQ(read_file(dir / "junit.xml"), junit);
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  EXPECT_NE(output.find("report.html"), std::string::npos) << output;
}

TEST(Report, FindingsCompareWithThePreviousRunOfTheTemplate) {
  SyntheticTemplate t;
  // The command's exit status is a file of the template, changed between runs.
  t.command("parallel_driver_flaky", "exit $(cat /opt/antithesis/test/v1/main/helper_status)");
  std::ofstream(t.path() / "main" / "helper_status") << "1\n";
  const RunRecord first = t.run({"--duration", "1500ms", "--faults", "none"});
  ASSERT_EQ(first.exit_status, 1) << first.output;
  EXPECT_TRUE(first.report["findings"]["compared_with"].is_null());
  EXPECT_TRUE(first.report["properties"][0]["finding"].is_null());

  std::ofstream(t.path() / "main" / "helper_status") << "0\n";
  t.command("parallel_driver_new", "exit 1");
  const RunRecord second = t.run({"--duration", "1500ms", "--faults", "none"});
  ASSERT_EQ(second.exit_status, 1) << second.output;
  const nlohmann::json& findings = second.report["findings"];
  EXPECT_EQ(fs::path(findings["compared_with"].get<std::string>()), fs::absolute(t.path() / "run-1").lexically_normal());
  const auto has = [](const nlohmann::json& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  EXPECT_TRUE(has(findings["resolved"], "parallel_driver_flaky exits 0")) << findings.dump();
  EXPECT_TRUE(has(findings["new_failing"], "parallel_driver_new exits 0")) << findings.dump();
  EXPECT_TRUE(has(findings["passing"], "setup completes")) << findings.dump();
  EXPECT_TRUE(findings["still_failing"].empty()) << findings.dump();
  for (const auto& p : second.report["properties"]) {
    if (p["name"] == "parallel_driver_flaky exits 0") {
      EXPECT_EQ(p["finding"], "resolved");
    }
    if (p["name"] == "parallel_driver_new exits 0") {
      EXPECT_EQ(p["finding"], "new failing");
    }
  }
  EXPECT_NE(second.output.find("2 new failing, 2 resolved"), std::string::npos) << second.output;

  // Compared the other way by hand: what the second run fixed fails anew in the first.
  std::string output;
  EXPECT_EQ(run({FAULTLINE_BIN, "report", (t.path() / "run-1").string(), "--compare", (t.path() / "run-2").string()}, {},
                &output, true),
            1);
  std::ifstream in(t.path() / "run-1" / "report.json");
  const nlohmann::json again = nlohmann::json::parse(in);
  EXPECT_TRUE(has(again["findings"]["new_failing"], "parallel_driver_flaky exits 0")) << again["findings"].dump();
  EXPECT_TRUE(has(again["findings"]["resolved"], "parallel_driver_new exits 0")) << again["findings"].dump();
}

TEST(Report, TheRunsPageListsEveryRunOfTheFolderNewestFirst) {
  SyntheticTemplate t;
  t.command("parallel_driver_ok", "true");
  // Runs into the default folder, runs/ where faultline is started.
  const auto run_here = [&](const std::string& seed) {
    std::string output;
    const int status = run({"/bin/sh", "-c",
                            "cd \"$0\" && exec \"$1\" run . --quiet --duration 1s --faults none --seed \"$2\"",
                            t.path().string(), FAULTLINE_BIN, seed},
                           {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, &output, true);
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("runs: "), std::string::npos) << output;
  };
  run_here("1");
  run_here("2");
  const fs::path runs = t.path() / "runs";
  const nlohmann::json data = embedded_data(read_file(runs / "index.html"));
  ASSERT_TRUE(data.is_object()) << read_file(runs / "index.html").substr(0, 2000);
  ASSERT_EQ(data["runs"].size(), 2u);
  EXPECT_EQ(data["runs"][0]["seed"], "2");
  EXPECT_EQ(data["runs"][1]["seed"], "1");
  for (const auto& row : data["runs"]) {
    EXPECT_EQ(row["status"], "passed");
    EXPECT_TRUE(fs::exists(runs / row["directory"].get<std::string>() / "report.html")) << row.dump();
  }
}

TEST(Report, AFailedHistoryCheckIsDrawnFromTheRunDirectory) {
  SyntheticTemplate t;
  {
    std::ofstream compose(t.path() / "compose.yaml", std::ios::app);
    compose << "x-faultline: {model: register}\n";
  }
  // One process writes 1; another reads 2, which nobody wrote.
  t.command("first_history",
            "h=$ANTITHESIS_OUTPUT_DIR/history.jsonl\n"
            "echo '{\"faultline_history\":{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":1,\"time\":1000000}}' >> $h\n"
            "echo '{\"faultline_history\":{\"process\":1,\"type\":\"ok\",\"f\":\"write\",\"value\":1,\"time\":2000000}}' >> $h\n"
            "echo '{\"faultline_history\":{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time\":3000000}}' >> $h\n"
            "echo '{\"faultline_history\":{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":2,\"time\":4000000}}' >> $h\n");
  t.command("parallel_driver_idle", "true");
  const RunRecord r = t.run({"--duration", "1s", "--faults", "none"});
  ASSERT_EQ(r.exit_status, 1) << r.output;
  const nlohmann::json& history = r.report["timelines"][0]["history"];
  ASSERT_TRUE(history.is_object()) << r.report["timelines"].dump();
  EXPECT_EQ(history["verdict"], "not linearizable");
  const nlohmann::json& drawing = history["drawing"];
  ASSERT_TRUE(drawing.is_object()) << history.dump();
  EXPECT_EQ(drawing["clients"].size(), 2u);
  ASSERT_EQ(drawing["operations"].size(), 2u);
  bool minimal_read = false;
  for (const auto& op : drawing["operations"]) {
    EXPECT_LE(op["call"].get<double>(), op["return"].get<double>());
    minimal_read |= op["minimal"] == true && op["text"].get<std::string>().find("read") != std::string::npos;
  }
  EXPECT_TRUE(minimal_read) << drawing.dump();
  // In ms since the history's first line: the read returned 3 ms after the write was called.
  EXPECT_DOUBLE_EQ(drawing["operations"][1]["return"].get<double>(), 3.0);
}

}  // namespace
}  // namespace faultline::testing
