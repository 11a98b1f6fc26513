// Reads what every process of a timeline writes into its SDK folder, as it is written, and records
// it in the event log: each line as an `sdk` event (or `sdk_invalid`), stop-faults requests as
// `stop_faults`, and the timeline's first antithesis_setup line as `setup_complete`.
#ifndef FAULTLINE_SRC_RUN_SDK_LINES_H_
#define FAULTLINE_SRC_RUN_SDK_LINES_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "events/event_log.h"
#include "events/json_line.h"
#include "run/sdk_tail.h"

namespace faultline::run {

// What one line of an SDK output file holds: a JSON object of a shape faultline reads, or the
// problem that makes it an sdk_invalid event. Never throws, whatever the line.
events::JsonLine read_sdk_line(const SdkTail::Line& line);

class SdkLines {
 public:
  // Follows `sdk_dir` until stop(); `on_setup_complete` is called (from the reading thread) once,
  // after the setup_complete event is written.
  SdkLines(const std::filesystem::path& sdk_dir, int timeline, events::EventLog& log,
           std::function<void()> on_setup_complete);
  ~SdkLines();

  // A command invocation whose folder (`dir`) now exists: its lines are attributed to it.
  void add_invocation(int id, const std::string& command, const std::string& service, const std::filesystem::path& dir);
  // Reads what is left and stops following (idempotent).
  void stop();

 private:
  events::Source source_of(const std::string& file);
  void on_line(const SdkTail::Line& line);

  int timeline_;
  events::EventLog& log_;
  std::function<void()> on_setup_complete_;
  std::mutex mutex_;
  std::map<int, std::pair<std::string, std::string>> invocations_;  // id -> command, service
  bool setup_seen_ = false;
  std::unique_ptr<SdkTail> tail_;  // last: it calls on_line until stopped
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SDK_LINES_H_
