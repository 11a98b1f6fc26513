// Exit statuses, built-in properties, the run directory, `faultline report` and replay.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/inotify.h>
#include <poll.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "run_support.h"

namespace faultline::testing {
namespace {

const std::string kSdkAssert(const std::string& id, bool condition) {
  return "echo '{\"antithesis_assert\":{\"id\":\"" + id + "\",\"message\":\"" + id +
         "\",\"hit\":true,\"must_hit\":true,\"assert_type\":\"always\",\"display_type\":\"Always\",\"condition\":" +
         (condition ? "true" : "false") + ",\"details\":{\"from\":\"shell\"}}}' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl";
}

TEST(RunExit, ZeroWhenEveryPropertyPasses) {
  SyntheticTemplate t;
  t.command("parallel_driver_ok", kSdkAssert("Shell says yes", true));
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 0) << r.output;
  const nlohmann::json* yes = r.property("Shell says yes");
  ASSERT_NE(yes, nullptr) << r.output;
  EXPECT_EQ(yes->value("status", ""), "passed");
  EXPECT_EQ(yes->value("examples", nlohmann::json::array()).at(0).value("command", ""), "parallel_driver_ok");
  EXPECT_EQ(r.property("setup completes")->value("status", ""), "passed");
  EXPECT_EQ(r.property("parallel_driver_ok exits 0")->value("status", ""), "passed");
  EXPECT_NE(r.output.find("exit status 0: every property passes"), std::string::npos) << r.output;
}

TEST(RunExit, OneWhenACommandFailsOrAnAssertionFails) {
  SyntheticTemplate t;
  t.command("parallel_driver_broken", "exit 3");
  t.command("serial_driver_liar", kSdkAssert("Shell never lies", false));
  const RunRecord r = t.run({"--duration", "1s", "--seed", "5"});
  EXPECT_EQ(r.exit_status, 1) << r.output;
  const nlohmann::json* exits = r.property("parallel_driver_broken exits 0");
  ASSERT_NE(exits, nullptr);
  EXPECT_EQ(exits->value("status", ""), "failed");
  EXPECT_EQ(exits->value("counterexamples", nlohmann::json::array()).at(0).at("details").value("status", 0), 3);
  EXPECT_EQ(r.property("parallel_driver_broken exits 0 at least once")->value("status", ""), "failed");
  const nlohmann::json* lie = r.property("Shell never lies");
  ASSERT_NE(lie, nullptr);
  EXPECT_EQ(lie->value("status", ""), "failed");
  EXPECT_EQ(lie->value("counterexamples", nlohmann::json::array()).at(0).at("details").value("from", ""), "shell");
  EXPECT_NE(r.output.find("FAIL"), std::string::npos);
}

TEST(RunExit, CommandPastItsTimeoutIsKilledAndFails) {
  SyntheticTemplate t;
  t.command("parallel_driver_hangs", "sleep 1000");
  const RunRecord r = t.run({"--duration", "2s", "--command-timeout", "300ms"});
  EXPECT_EQ(r.exit_status, 1) << r.output;
  ASSERT_FALSE(r.invocations.empty());
  EXPECT_TRUE(r.invocations[0].timed_out);
  EXPECT_LT(r.invocations[0].end - r.invocations[0].start, 2000.0);
  const nlohmann::json* exits = r.property("parallel_driver_hangs exits 0");
  ASSERT_NE(exits, nullptr);
  EXPECT_EQ(exits->value("status", ""), "failed");
  EXPECT_TRUE(exits->value("counterexamples", nlohmann::json::array()).at(0).at("details").value("timed_out", false));
}

TEST(RunExit, TwoWithoutSetupCompleteShowingTheServicesLastLines) {
  SyntheticTemplate t(/*setup=*/false);
  t.command("parallel_driver_never", "true");
  const RunRecord r = t.run({"--duration", "5s", "--setup-timeout", "1s"});
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find("no process wrote setup complete (antithesis_setup) within 1 s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--- last lines of box ---\nno setup here"), std::string::npos) << r.output;
  EXPECT_TRUE(r.invocations.empty()) << "no command runs before setup complete";
  EXPECT_EQ(r.property("setup completes")->value("status", ""), "failed");
}

TEST(RunExit, TwoForABadTemplateNamingTheFile) {
  SyntheticTemplate t;
  t.command("parallel_driver_ok");
  t.command("notes.txt");
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.output.find("main/notes.txt: not a test command"), std::string::npos) << r.output;
}

TEST(RunExit, TwoForSymbolicLinksThatLoopInATemplateNamingEach) {
  SyntheticTemplate t;
  t.command("parallel_driver_ok");
  std::filesystem::create_symlink("loop", t.path() / "main" / "loop");
  std::filesystem::create_symlink("parallel_driver_loop", t.path() / "main" / "parallel_driver_loop");
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find("main/loop: not a test command"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("main/parallel_driver_loop: cannot be read"), std::string::npos) << r.output;
}

// Waits (bounded, on inotify) until the run's events.jsonl has a line containing `text`.
TEST(RunExit, InterruptedRunTearsDownReportsAndExits130) {
  SyntheticTemplate t;
  t.command("parallel_driver_slow", "sleep 1000");
  const auto out = t.path() / "interrupted";
  Child run = start({FAULTLINE_BIN, "run", t.path().string(), "--out", out.string(), "--duration", "10m", "--quiet"},
                    {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, true);
  ASSERT_TRUE(wait_for_event(out / "events.jsonl", "command_started"));
  kill(run.pid, SIGINT);
  EXPECT_EQ(wait_for(run), 130);
  RunRecord r;
  SyntheticTemplate::read_into(out, r);
  ASSERT_TRUE(r.report.is_object()) << "report.json written";
  EXPECT_EQ(r.report.at("run").value("exit_status", 0), 130);
  ASSERT_FALSE(r.invocations.empty());
  EXPECT_TRUE(r.invocations[0].killed_by_composer);
  EXPECT_EQ(r.events.back().value("type", ""), "run_finished");
}

TEST(RunDirectory, ReportRebuildsFromEventsAlone) {
  SyntheticTemplate t;
  t.command("parallel_driver_mixed", kSdkAssert("Shell is consistent", true));
  t.command("serial_driver_fails", "exit 1");
  const auto out = t.path() / "run-rebuild";
  Child run = start({FAULTLINE_BIN, "run", t.path().string(), "--out", out.string(), "--duration", "1s", "--quiet"},
                    {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, true);
  EXPECT_EQ(wait_for(run), 1);
  std::ifstream first(out / "report.json");
  const nlohmann::json original = nlohmann::json::parse(first);
  std::filesystem::remove(out / "report.json");
  std::string output;
  EXPECT_EQ(testing::run({FAULTLINE_BIN, "report", out.string()}, {}, &output), 1);
  std::ifstream second(out / "report.json");
  const nlohmann::json rebuilt = nlohmann::json::parse(second);
  EXPECT_EQ(rebuilt.at("properties"), original.at("properties"));
  EXPECT_NE(output.find("FAIL"), std::string::npos);
  // The run directory holds what the issue promises.
  for (const char* name : {"run.json", "events.jsonl", "logs/timeline-1"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  }
  bool command_log = false;
  for (const auto& entry : std::filesystem::directory_iterator(out / "logs/timeline-1")) {
    command_log |= entry.path().filename().string().rfind("cmd-1-", 0) == 0;
  }
  EXPECT_TRUE(command_log) << "each invocation has its log";
}

TEST(RunDirectory, ReplayedTimelineMakesTheSameChoices) {
  SyntheticTemplate t;
  t.command("first_one");
  t.command("first_two");
  t.command("parallel_driver_a", "sleep 0.05");
  t.command("parallel_driver_b", "sleep 0.05");
  const RunRecord original = t.run({"--duration", "4s", "--timeline", "1s", "--seed", "1234"});
  ASSERT_NE(original.exit_status, 2) << original.output;
  ASSERT_GE(original.timelines().size(), 2u);
  const auto out = t.path() / "run-1";
  const RunRecord replay = t.run({"--replay-timeline", out.string() + ":2"});
  ASSERT_NE(replay.exit_status, 2) << replay.output;
  EXPECT_EQ(replay.timelines(), std::vector<int>{2});
  const auto a = original.of_timeline(2), b = replay.of_timeline(2);
  ASSERT_GE(std::min(a.size(), b.size()), 5u);
  for (size_t k = 0; k + 2 < std::min(a.size(), b.size()); ++k) {
    EXPECT_EQ(a[k].command + "@" + a[k].service, b[k].command + "@" + b[k].service) << "choice " << k;
  }
}


TEST(RunDirectory, StopFaultsRequestsAreRecorded) {
  SyntheticTemplate t;
  t.command("serial_driver_quiet", "\"$ANTITHESIS_STOP_FAULTS\" 7 && \"$ANTITHESIS_STOP_FAULTS\" oops; exit 0");
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 0) << r.output;
  int requests = 0;
  for (const nlohmann::json& e : r.events) {
    if (e.value("type", "") != "stop_faults") continue;
    ++requests;
    EXPECT_EQ(e.value("seconds", 0), 7);
  }
  EXPECT_GE(requests, 1) << "every run of the command asked for a quiet period";
}


// A command that writes a history of its own (as the SDK would) into its output folder. (A first_
// command: it runs once per timeline, so its process ids are its own.)
std::string history_command(const std::string& events) {
  return "cat >> \"$ANTITHESIS_OUTPUT_DIR/history.jsonl\" <<'EOF'\n" + events + "EOF";
}

std::string event(int process, const std::string& type, const std::string& f, const std::string& value, int time) {
  return "{\"faultline_history\":{\"process\":" + std::to_string(process) + ",\"type\":\"" + type + "\",\"f\":\"" + f +
         "\",\"value\":" + value + ",\"time\":" + std::to_string(time) + "}}\n";
}

TEST(RunHistory, TimelineHistoriesAreCheckedAgainstTheModel) {
  SyntheticTemplate good;
  {
    std::ofstream(good.path() / "compose.yaml", std::ios::app) << "x-faultline:\n  model: register\n";
  }
  good.command("parallel_driver_idle");
  good.command("first_consistent", history_command(event(1, "invoke", "write", "1", 1) + event(1, "ok", "write", "1", 2) +
                                                           event(2, "invoke", "read", "null", 3) + event(2, "ok", "read", "1", 4)));
  const RunRecord passes = good.run({"--duration", "1s"});
  EXPECT_EQ(passes.exit_status, 0) << passes.output;
  ASSERT_NE(passes.property("History is linearizable"), nullptr) << passes.output;
  EXPECT_EQ(passes.property("History is linearizable")->value("status", ""), "passed");

  SyntheticTemplate stale;
  {
    std::ofstream(stale.path() / "compose.yaml", std::ios::app) << "x-faultline:\n  model: register\n";
  }
  stale.command("parallel_driver_idle");
  stale.command("first_stale", history_command(event(1, "invoke", "write", "1", 1) + event(1, "ok", "write", "1", 2) +
                                                       event(1, "invoke", "write", "2", 3) + event(1, "ok", "write", "2", 4) +
                                                       event(2, "invoke", "read", "null", 5) + event(2, "ok", "read", "1", 6)));
  const RunRecord fails = stale.run({"--duration", "1s"});
  EXPECT_EQ(fails.exit_status, 1) << fails.output;
  const nlohmann::json* p = fails.property("History is linearizable");
  ASSERT_NE(p, nullptr) << fails.output;
  EXPECT_EQ(p->value("status", ""), "failed");
  const nlohmann::json details = p->at("counterexamples").at(0).at("details");
  EXPECT_EQ(details.value("verdict", ""), "not linearizable");
  EXPECT_FALSE(details.at("cannot_be_ordered").empty()) << details.dump();
}

TEST(RunHistory, UnknownModelIsAConfigurationError) {
  SyntheticTemplate t;
  {
    std::ofstream(t.path() / "compose.yaml", std::ios::app) << "x-faultline:\n  model: crystal-ball\n";
  }
  t.command("parallel_driver_ok");
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.output.find("x-faultline.model: unknown model \"crystal-ball\""), std::string::npos) << r.output;
}


TEST(RunDirectory, TheRunKeepsToItsDurationAndRecordsHowTimeWasSpent) {
  SyntheticTemplate t;
  t.command("parallel_driver_a", "sleep 0.1");
  t.command("eventually_e", "sleep 0.3");
  const auto started = std::chrono::steady_clock::now();
  const RunRecord r = t.run({"--duration", "6s", "--timeline", "2s", "--seed", "5"});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_status, 0) << r.output;
  std::ifstream in(t.path() / "run-1" / "run.json");
  const nlohmann::json run = nlohmann::json::parse(in);
  ASSERT_GE(run.at("timelines").size(), 2u);
  double total_ms = 0;
  for (const nlohmann::json& timeline : run.at("timelines")) {
    const nlohmann::json& time = timeline.at("time_ms");
    for (const char* part : {"setup", "first", "drivers", "ending", "teardown"}) EXPECT_GE(time.at(part).get<double>(), 0) << part;
    EXPECT_GT(time.at("drivers").get<double>(), 0);
    total_ms += time.at("total").get<double>();
  }
  // Timelines fill the run, and the last one ends by the run's end (bounds with room for a busy machine).
  EXPECT_GT(total_ms, 3000);
  EXPECT_LT(total_ms, 6000 + 2000);
  EXPECT_LT(wall, 6 + 3.0);
  EXPECT_NE(r.output.find("timeline 1: "), std::string::npos) << "the summary says how time was spent\n" << r.output;
}

TEST(RunDirectory, ChoicesNotYetMadeComeFirstAcrossTimelines) {
  SyntheticTemplate t;
  t.command("first_one");
  t.command("first_two");
  t.command("parallel_driver_a", "sleep 0.05");
  t.command("eventually_e");
  t.command("finally_f");
  for (const char* seed : {"1", "2", "3"}) {
    const RunRecord r = t.run({"--duration", "5s", "--timeline", "1500ms", "--seed", seed});
    ASSERT_EQ(r.exit_status, 0) << r.output;
    ASSERT_GE(r.timelines().size(), 2u);
    std::set<std::string> firsts, endings;
    for (const Invocation& i : r.invocations) {
      if (i.timeline > 2) continue;
      if (i.kind == "first_") firsts.insert(i.command);
      if (i.kind == "eventually_" || i.kind == "finally_") endings.insert(i.kind);
    }
    EXPECT_EQ(firsts.size(), 2u) << "both first_ commands in the first two timelines, seed " << seed;
    EXPECT_EQ(endings.size(), 2u) << "both endings in the first two timelines, seed " << seed;
  }
}


TEST(RunCommandLine, ComposeFilesRepeatAndMergeInOrder) {
  SyntheticTemplate t;
  t.command("parallel_driver_sees_override", "test \"$FROM\" = override");
  std::ofstream(t.path() / "override.yaml") << "services:\n  box:\n    environment: {FROM: override}\n"
                                                "  other:\n    environment: {FROM: override}\n";
  const auto out = t.path() / "run-forms";
  std::string output;
  const int status = testing::run({FAULTLINE_BIN, "run", "-f", (t.path() / "compose.yaml").string(), "--quiet", "-f",
                                   (t.path() / "override.yaml").string(), "--duration", "1s", "--out", out.string()},
                                  {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, &output, /*merge_stderr=*/true);
  EXPECT_EQ(status, 0) << output;
  RunRecord r;
  SyntheticTemplate::read_into(out, r);
  ASSERT_FALSE(r.invocations.empty()) << output;
  for (const Invocation& i : r.invocations) EXPECT_EQ(i.status, 0) << i.command;
}

}  // namespace
}  // namespace faultline::testing

namespace faultline::testing {
namespace {

// Whether `text` holds a byte a terminal would act on (newlines and tabs are the output's own).
bool has_raw_control(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\t') continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

TEST(UntrustedText, ControlSequencesFromTheSystemUnderTestAreShownInert) {
  SyntheticTemplate t;
  // An assertion whose id and details hold ESC, BEL, CR, BS and NUL (as JSON escapes), and a line
  // of invalid UTF-8.
  const std::string hostile = R"(\u001b]0;pwned\u0007\u001b[31mRED\u001b[0m\r\b\u0000)";
  t.command("parallel_driver_hostile",
            "printf '%s\\n' '{\"antithesis_assert\":{\"id\":\"" + hostile + "\",\"message\":\"" + hostile +
                "\",\"hit\":true,\"must_hit\":true,\"assert_type\":\"always\",\"display_type\":\"Always\\u001b[2J\","
                "\"condition\":false,\"details\":{\"x\":\"" + hostile + "\"}}}' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl; "
                "printf '\\377\\376 not utf-8\\n' >> $ANTITHESIS_OUTPUT_DIR/sdk.jsonl");
  const RunRecord r = t.run({"--duration", "1s"});
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("\\x1b]0;pwned\\a\\x1b[31mRED\\x1b[0m\\r\\b\\0"), std::string::npos) << r.output;
  EXPECT_FALSE(has_raw_control(r.output)) << r.output;
  std::string report;
  EXPECT_EQ(testing::run({FAULTLINE_BIN, "report", (t.path() / "run-1").string()}, {}, &report, true), 1);
  EXPECT_NE(report.find("\\x1b[31mRED"), std::string::npos) << report;
  EXPECT_FALSE(has_raw_control(report)) << report;

  // A service's last lines, quoted when setup never completes.
  SyntheticTemplate silent(/*setup=*/false);
  silent.command("parallel_driver_never", "true");
  std::ofstream(silent.path() / "compose.yaml", std::ios::app)
      << "  noisy:\n    command: [\"/bin/sh\", \"-c\", \"printf 'bell\\\\a escape\\\\033[2J done\\\\n'; exec sleep 1000\"]\n";
  const RunRecord setup = silent.run({"--duration", "1s", "--setup-timeout", "2s"});
  EXPECT_EQ(setup.exit_status, 2) << setup.output;
  EXPECT_NE(setup.output.find("bell\\a escape\\x1b[2J done"), std::string::npos) << setup.output;
  EXPECT_FALSE(has_raw_control(setup.output)) << setup.output;
}

}  // namespace
}  // namespace faultline::testing
