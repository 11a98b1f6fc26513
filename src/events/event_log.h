// The run directory's one ordered log of everything: events.jsonl. Every report is rebuilt from it.
//
// Each line is a JSON object: {"t": <ms since the run started>, "type": "...", ...fields}; the
// types and their fields are in schema.h.
#ifndef FAULTLINE_SRC_EVENTS_EVENT_LOG_H_
#define FAULTLINE_SRC_EVENTS_EVENT_LOG_H_

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/json_line.h"
#include "events/schema.h"

namespace faultline::events {

// Appends events and hands each to its subscribers. Thread-safe; each event is one line, flushed at
// once (a killed run keeps them).
class EventLog {
 public:
  // Sees events in log order, one at a time, from the log's delivery thread, never under the log's
  // lock: it may write events itself (they are delivered after the current one).
  using Subscriber = std::function<void(const Json& event)>;

  // While it lives, its subscriber is called; its destruction waits for a delivery in progress.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();

   private:
    friend class EventLog;
    Subscription(EventLog* log, std::list<Subscriber>::iterator it) : log_(log), it_(it) {}
    EventLog* log_ = nullptr;
    std::list<Subscriber>::iterator it_;
  };

  // Opens `path` for appending; throws std::runtime_error when it cannot.
  explicit EventLog(const std::filesystem::path& path);
  // Delivers what is still queued, then closes the file.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Writes an event of a schema type; returns it as written ("t" and "type" added).
  template <Visitable Event>
  Json write(const Event& event) {
    return write(Event::kType, Json(event));
  }
  // Writes `fields` as an event of `type`.
  Json write(std::string_view type, Json fields = Json::object());

  // `subscriber` sees every event written from now on.
  [[nodiscard]] Subscription subscribe(Subscriber subscriber);

  // Returns once every event written before the call has been delivered (at once when called from
  // a subscriber, which would otherwise wait for itself).
  void flush();

  // Milliseconds since the log was opened (the run's start).
  double now_ms() const;

 private:
  void deliver();
  void unsubscribe(std::list<Subscriber>::iterator it);

  std::FILE* file_;
  const std::chrono::steady_clock::time_point start_;
  // Guards the file, the queue and the counters: never held while a subscriber runs.
  std::mutex mutex_;
  std::condition_variable queued_, delivered_;
  std::deque<Json> queue_;
  uint64_t written_ = 0, delivered_count_ = 0;
  bool closing_ = false;
  // Held while subscribers run, and while one is added or removed.
  std::mutex subscribers_mutex_;
  std::list<Subscriber> subscribers_;
  std::thread delivery_;
};

// Reads every event of a run directory's events.jsonl. A line that read_json_line rejects is skipped
// and described in `problems` (file and line); a last line without its newline that is rejected is
// "cut mid-line", what a run killed while writing leaves. Throws std::runtime_error only when the
// file cannot be opened.
std::vector<Json> read_events(const std::filesystem::path& path, std::vector<LineProblem>* problems = nullptr);
// The same from a stream; `name` stands for the file in `problems`.
std::vector<Json> read_events(std::istream& in, const std::string& name, std::vector<LineProblem>* problems = nullptr);

// The JSON object a file of the run directory holds (run.json, report.json); null when the file is
// missing, is not JSON or holds something else than an object. Never throws.
Json read_json_object(const std::filesystem::path& path);

}  // namespace faultline::events

#endif  // FAULTLINE_SRC_EVENTS_EVENT_LOG_H_
