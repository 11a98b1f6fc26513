// The report of a large run: a synthetic run directory of 100,000 events (assertion lines,
// command starts and ends, faults) and 100,000 log lines, reported as `faultline report` does
// (build_report: events read and evaluated; write_report_files: report.json, junit.xml and
// report.html with the merged log). Prints the sizes of what it wrote.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/report.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kEvents = 100000;
constexpr int kLogLines = 100000;

// A run of 2 timelines: every 10th event starts or ends a command, every 500th a fault, the rest
// are assertion lines of 50 properties (one in 1000 failing).
fs::path make_run() {
  const fs::path dir = fs::temp_directory_path() / ("faultline-report-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const faultline::events::RunDirectory run(dir);
  std::ofstream events(run.events());
  int invocation = 0, fault = 0;
  for (int timeline = 1; timeline <= 2; ++timeline) {
    const double base = (timeline - 1) * 60000.0;
    events << json{{"type", "timeline_started"}, {"timeline", timeline}, {"t", base}, {"seed", "1"}}.dump() << "\n";
    events << json{{"type", "setup_complete"}, {"timeline", timeline}, {"t", base + 100}, {"service", "client"}}.dump() << "\n";
    for (int i = 0; i < kEvents / 2; ++i) {
      const double t = base + 100 + i * 1.1;
      json e;
      if (i % 10 == 0) {
        ++invocation;
        e = {{"type", "command_started"}, {"invocation", invocation}, {"command", "parallel_driver_put"},
             {"kind", "parallel_driver_"}, {"service", "client"}};
      } else if (i % 10 == 5) {
        e = {{"type", "command_finished"}, {"invocation", invocation}, {"command", "parallel_driver_put"},
             {"service", "client"}, {"status", i % 70 == 5 ? 1 : 0}};
      } else if (i % 500 == 1) {
        e = {{"type", "fault"}, {"fault", ++fault}, {"name", "partition"}, {"fault_type", "network"},
             {"affected_nodes", {"etcd0"}}, {"details", {{"partitions", {{"etcd0"}, {"etcd1", "etcd2"}}}}}};
      } else if (i % 500 == 250) {
        e = {{"type", "fault_ended"}, {"fault", fault}, {"name", "partition"}, {"reason", "expired"}};
      } else {
        const int property = i % 50;
        e = {{"type", "sdk"}, {"service", "client"}, {"invocation", invocation}, {"file", "commands/1/sdk.jsonl"},
             {"line", {{"antithesis_assert",
                        {{"id", "property " + std::to_string(property)}, {"message", "property " + std::to_string(property)},
                         {"hit", true}, {"must_hit", true}, {"assert_type", "always"}, {"display_type", "Always"},
                         {"condition", i % 1000 != 7}, {"details", {{"key", i}}}}}}}};
      }
      e["timeline"] = timeline;
      e["t"] = t;
      events << e.dump() << "\n";
    }
    fs::create_directories(run.logs(timeline));
    std::ofstream log(run.log(timeline, "etcd0"));
    for (int i = 0; i < kLogLines / 2; ++i) {
      char line[160];
      std::snprintf(line, sizeof line, "%.3f stdout {\"level\":\"info\",\"msg\":\"applied entry %d\"}\n", (base + i * 1.2) / 1000, i);
      log << line;
    }
  }
  return dir;
}

void BM_BuildReport(benchmark::State& state) {
  const fs::path dir = make_run();
  const faultline::events::RunDirectory run(dir);
  faultline::report::ReportOptions options;
  options.compare_with_previous = false;
  for (auto _ : state) benchmark::DoNotOptimize(faultline::report::build_report(run, options));
  fs::remove_all(dir);
}

void BM_WriteReportFiles(benchmark::State& state) {
  const fs::path dir = make_run();
  const faultline::events::RunDirectory run(dir);
  faultline::report::ReportOptions options;
  options.compare_with_previous = false;
  const faultline::report::Report report = faultline::report::build_report(run, options);
  for (auto _ : state) faultline::report::write_report_files(run, report, options);
  state.counters["report.html MB"] = static_cast<double>(fs::file_size(run.report_html())) / 1e6;
  state.counters["report.json MB"] = static_cast<double>(fs::file_size(run.report_json())) / 1e6;
  state.counters["junit.xml kB"] = static_cast<double>(fs::file_size(run.junit_xml())) / 1e3;
  fs::remove_all(dir);
}

BENCHMARK(BM_BuildReport)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_WriteReportFiles)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
