// The run directory's one ordered log of everything: events.jsonl. Every report is rebuilt from it.
//
// Each line is a JSON object: {"t": <ms since the run started>, "type": "...", "timeline": N, ...}.
// Types: run_started, timeline_started, template, service, setup_complete, command_started,
// command_finished, sdk (a line an SDK wrote, with its source), sdk_invalid, stop_faults,
// timeline_finished, run_finished. docs/run-directory.md describes their fields.
#ifndef FAULTLINE_SRC_EVENTS_EVENT_LOG_H_
#define FAULTLINE_SRC_EVENTS_EVENT_LOG_H_

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace faultline::events {

// Appends events; thread-safe, each event one line, flushed at once (a killed run keeps them).
class EventLog {
 public:
  explicit EventLog(const std::filesystem::path& path);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Writes `fields` with "t" and "type" added; returns the event as written. `listener` (if set)
  // sees every event right after it is written, in order.
  nlohmann::json write(const std::string& type, nlohmann::json fields = nlohmann::json::object());

  void set_listener(std::function<void(const nlohmann::json&)> listener);

  // Milliseconds since the log was opened (the run's start).
  double now_ms() const;

 private:
  std::FILE* file_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::function<void(const nlohmann::json&)> listener_;
};

// Reads every event of a run directory's events.jsonl; a line that is not JSON is skipped and
// counted in `invalid` (a run killed mid-write may leave half a line).
std::vector<nlohmann::json> read_events(const std::filesystem::path& path, int* invalid = nullptr);

}  // namespace faultline::events

#endif  // FAULTLINE_SRC_EVENTS_EVENT_LOG_H_
