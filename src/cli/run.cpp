#include "run.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "report/html_page.h"
#include "report/inert_text.h"
#include "report/report.h"
#include "run/exit_status.h"
#include "run/run.h"
#include "signals.h"

namespace faultline::cli {
namespace {

std::string clock_text(double seconds) {
  const int s = static_cast<int>(seconds);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

// Prints the run's progress: a live line on a terminal, a plain line every few seconds otherwise.
class StatusPrinter {
 public:
  StatusPrinter(const run::Run& run, bool quiet) : run_(run), tty_(isatty(STDERR_FILENO)) {
    if (!quiet) thread_ = std::thread([this] { loop(); });
  }
  ~StatusPrinter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    stopped_.notify_all();
    if (!thread_.joinable()) return;
    thread_.join();
    if (tty_) fmt::print(stderr, "\r\033[K");
  }

 private:
  void loop() {
    const auto period = tty_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
    std::unique_lock lock(mutex_);
    while (!stopped_.wait_for(lock, period, [&] { return stopping_; })) {
      const run::Progress p = run_.progress();
      std::string faults;
      for (const std::string& f : p.faults) faults += (faults.empty() ? "" : ", ") + f;
      const std::string line = fmt::format("[{} / {}] timeline {} | {} running, {} done | {} failing | faults: {}",
                                           clock_text(p.elapsed_seconds), clock_text(p.total_seconds), p.timeline,
                                           p.running, p.done, p.failing, faults.empty() ? "none" : faults);
      if (tty_) {
        fmt::print(stderr, "\r\033[K{}", line);
      } else {
        fmt::print(stderr, "{}\n", line);
      }
      std::fflush(stderr);
    }
  }

  const run::Run& run_;
  const bool tty_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread thread_;
};

void print_properties(const std::vector<report::Property>& properties) {
  // Names and types come from SDK lines: inert, and cut to the column.
  const auto name_of = [](const report::Property& p) { return report::inert(p.id, {.max_bytes = 70, .keep_end = false}); };
  size_t width = 8;
  for (const auto& p : properties) width = std::max(width, name_of(p).size());
  fmt::print("\n{:<6} {:<20} {:<{}} {:>8} {:>8}\n", "STATUS", "TYPE", "PROPERTY", width, "PASSES", "FAILS");
  for (const auto& p : properties) {
    fmt::print("{:<6} {:<20} {:<{}} {:>8} {:>8}\n", p.passed() ? "pass" : "FAIL",
               report::inert(p.display_type, {.max_bytes = 19, .keep_end = false}) + (p.builtin ? "*" : ""), name_of(p),
               width, p.passes, p.fails);
  }
  const auto failing = std::count_if(properties.begin(), properties.end(), [](const auto& p) { return !p.passed(); });
  fmt::print("\n{} properties, {} failing (* built into faultline)\n", properties.size(), failing);
}

// The count of SDK lines that could not be read, and where the first ones were: a test under faults
// sees some, and should know which file to look at.
void print_invalid_sdk_lines(const report::InvalidLines& invalid) {
  if (invalid.count == 0) return;
  constexpr size_t kShown = 3;
  fmt::print("invalid SDK lines: {} in {} file{} (all of them by file in report.json)\n", invalid.count,
             invalid.by_file.size(), invalid.by_file.size() == 1 ? "" : "s");
  for (size_t i = 0; i < invalid.first.size() && i < kShown; ++i) {
    const events::LineProblem& where = invalid.first[i].where;
    fmt::print("  {}:{}: {}\n", report::inert(where.file), where.line, report::inert(where.problem));
  }
}

// Lines of events.jsonl the report had to skip: a cut last line is what a killed run leaves.
void print_unreadable_events(const std::vector<events::LineProblem>& problems) {
  for (const events::LineProblem& p : problems) {
    fmt::print("events: {}:{}: {}; skipped\n", report::inert(p.file), p.line, report::inert(p.problem));
  }
}

void print_timelines(const std::vector<run::TimelineResult>& timelines) {
  for (const run::TimelineResult& t : timelines) {
    const auto s = [](double ms) { return ms / 1000; };
    fmt::print("timeline {}: {:.1f} s (setup {:.1f}, first {:.1f}, drivers {:.1f}, ending {:.1f}, teardown {:.1f}), {}, ending {}\n",
               t.index, s(t.time.total()), s(t.time.setup), s(t.time.first), s(t.time.drivers), s(t.time.ending),
               s(t.time.teardown), t.outcome, t.ending);
  }
}

void print_faults(const run::RunResult& result) {
  std::string counts;
  int total = 0;
  for (const auto& [kind, n] : result.faults) {
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, kind);
    total += n;
  }
  fmt::print("faults: {}\n", total == 0 ? "none" : fmt::format("{} ({})", total, counts));
  for (const auto& [kind, reason] : result.unavailable) {
    fmt::print("not available here: {} ({})\n", report::inert(kind), report::inert(reason));
  }
  for (const std::string& note : result.notes) fmt::print("note: {}\n", report::inert(note));
}

// What changed since the run compared with.
void print_findings(const std::optional<report::Findings>& findings) {
  if (!findings) return;
  fmt::print("compared with {}: {} new failing, {} resolved\n", report::inert(findings->compared_with.string()),
             findings->new_failing.size(), findings->resolved.size());
}

void print_verdict(const std::filesystem::path& directory, int status) {
  const events::RunDirectory run(directory);
  fmt::print("run directory: {}\nreport: {}\nexit status {}: {}\n", report::inert(directory.string()),
             report::inert(run.report_html().string()), status, run::exit_status_meaning(status));
}

}  // namespace

int run_command(const run::RunConfig& config, bool quiet) {
  run::Run run(config);
  for (const auto& w : run.project().warnings) fmt::print(stderr, "warning: {}\n", report::inert(w));
  if (!quiet) {
    fmt::print(stderr, "faultline: running template {} with seed {} into {}\n", report::inert(run.test_template().name),
               run.seed(), report::inert(run.directory().string()));
    std::string kinds, targets;
    for (faults::FaultKind kind : run.faults().config.kinds) kinds += (kinds.empty() ? "" : ",") + std::string(faults::to_string(kind));
    for (const std::string& t : run.faults().targets) targets += (targets.empty() ? "" : ", ") + report::inert(t);
    fmt::print(stderr, "faultline: faults: {}{}\n", kinds.empty() ? "none" : kinds,
               kinds.empty() ? "" : fmt::format(" into {} ({:g} a minute)", targets.empty() ? "no service" : targets,
                                                run.faults().config.rate_per_minute));
  }
  run::RunResult result;
  {
    // Ctrl-C and SIGTERM: the run tears down, writes its report and exits 130.
    const SignalWatcher signals([&run](int) {
      fmt::print(stderr, "\nfaultline: interrupted; tearing down\n");
      run.cancel();
    });
    const StatusPrinter printer(run, quiet);
    result = run.execute();
  }
  // A setup failure quotes the services' last lines.
  if (!result.error.empty()) fmt::print(stderr, "faultline: {}\n", report::inert(result.error, {.keep_newlines = true}));
  print_properties(result.properties);
  print_invalid_sdk_lines(result.invalid_sdk_lines);
  print_timelines(result.timelines);
  print_faults(result);
  print_findings(result.findings);
  if (!result.runs_index.empty()) fmt::print("runs: {}\n", report::inert(result.runs_index.string()));
  print_verdict(result.directory, result.exit_status);
  return result.exit_status;
}

int report_command(const std::filesystem::path& directory, const report::ReportOptions& options) {
  const report::Report report = report::write_report(events::RunDirectory(directory), options);
  const std::vector<report::Property>& properties = report.properties;
  print_properties(properties);
  print_invalid_sdk_lines(report.invalid_sdk_lines);
  print_unreadable_events(report.unreadable_events);
  print_findings(report.findings);
  if (const auto index = report::update_runs_index(directory, false); !index.empty()) {
    fmt::print("runs: {}\n", report::inert(index.string()));
  }
  const bool failing = std::any_of(properties.begin(), properties.end(), [](const auto& p) { return !p.passed(); });
  const int status = failing ? run::kExitFailed : run::kExitPassed;
  print_verdict(directory, status);
  return status;
}

}  // namespace faultline::cli
