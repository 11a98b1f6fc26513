// The run directory's layout (docs/run-directory.md): the one place that names its paths, for the
// runner that writes it and the report that reads it.
#ifndef FAULTLINE_SRC_EVENTS_RUN_DIRECTORY_H_
#define FAULTLINE_SRC_EVENTS_RUN_DIRECTORY_H_

#include <filesystem>
#include <string>

namespace faultline::events {

class RunDirectory {
 public:
  explicit RunDirectory(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path run_json() const { return root_ / "run.json"; }
  std::filesystem::path events() const { return root_ / "events.jsonl"; }
  std::filesystem::path report_json() const { return root_ / "report.json"; }
  std::filesystem::path report_html() const { return root_ / "report.html"; }
  std::filesystem::path junit_xml() const { return root_ / "junit.xml"; }

  // Service and command output of a timeline: one file per source.
  std::filesystem::path logs(int timeline) const { return root_ / "logs" / ("timeline-" + std::to_string(timeline)); }
  std::filesystem::path log(int timeline, const std::string& source) const { return logs(timeline) / (source + ".log"); }
  // The log source name of a command invocation.
  static std::string command_log_source(int invocation, const std::string& command) {
    return "cmd-" + std::to_string(invocation) + "-" + command;
  }
  static bool is_command_log_source(const std::string& source) { return source.rfind("cmd-", 0) == 0; }

  std::filesystem::path timeline(int timeline) const { return root_ / "timelines" / std::to_string(timeline); }
  // What SDKs write in a timeline (mounted into every service): services/<name>/, commands/<id>/.
  std::filesystem::path sdk(int timeline) const { return this->timeline(timeline) / "sdk"; }
  // The timeline's operation histories, merged by time.
  std::filesystem::path merged_history(int timeline) const { return this->timeline(timeline) / "history.jsonl"; }

 private:
  std::filesystem::path root_;
};

}  // namespace faultline::events

#endif  // FAULTLINE_SRC_EVENTS_RUN_DIRECTORY_H_
