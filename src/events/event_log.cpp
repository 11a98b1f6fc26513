#include "event_log.h"

#include <fstream>
#include <stdexcept>

namespace faultline::events {

EventLog::Subscription::Subscription(Subscription&& other) noexcept : log_(other.log_), it_(other.it_) {
  other.log_ = nullptr;
}

EventLog::Subscription& EventLog::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (log_) log_->unsubscribe(it_);
    log_ = other.log_;
    it_ = other.it_;
    other.log_ = nullptr;
  }
  return *this;
}

EventLog::Subscription::~Subscription() {
  if (log_) log_->unsubscribe(it_);
}

EventLog::EventLog(const std::filesystem::path& path)
    : file_(std::fopen(path.c_str(), "a")), start_(std::chrono::steady_clock::now()) {
  if (file_ == nullptr) throw std::runtime_error("cannot write " + path.string());
  delivery_ = std::thread([this] { deliver(); });
}

EventLog::~EventLog() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  queued_.notify_all();
  delivery_.join();
  std::fclose(file_);
}

double EventLog::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

Json EventLog::write(std::string_view type, Json fields) {
  Json event = Json::object();
  event["t"] = static_cast<int64_t>(now_ms() * 1000) / 1000.0;
  event["type"] = type;
  for (auto& [key, value] : fields.items()) event[key] = std::move(value);
  // Invalid UTF-8 from the system under test is replaced, never a reason to lose the event.
  const std::string line = event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  {
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
    queue_.push_back(event);
    ++written_;
  }
  queued_.notify_one();
  return event;
}

EventLog::Subscription EventLog::subscribe(Subscriber subscriber) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.push_back(std::move(subscriber));
  return Subscription(this, std::prev(subscribers_.end()));
}

void EventLog::unsubscribe(std::list<Subscriber>::iterator it) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.erase(it);
}

void EventLog::flush() {
  if (std::this_thread::get_id() == delivery_.get_id()) return;
  std::unique_lock lock(mutex_);
  const uint64_t target = written_;
  delivered_.wait(lock, [&] { return delivered_count_ >= target; });
}

void EventLog::deliver() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, and everything delivered
    std::deque<Json> batch;
    batch.swap(queue_);
    lock.unlock();
    {
      std::lock_guard subscribers(subscribers_mutex_);
      for (const Json& event : batch) {
        for (const Subscriber& subscriber : subscribers_) {
          try {
            subscriber(event);
          } catch (const std::exception& e) {
            // A subscriber's bug must not end the delivery of every later event.
            std::fprintf(stderr, "faultline: an event subscriber failed: %s\n", e.what());
          }
        }
      }
    }
    lock.lock();
    delivered_count_ += batch.size();
    delivered_.notify_all();
  }
}

std::vector<Json> read_events(const std::filesystem::path& path, std::vector<LineProblem>* problems) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return read_events(in, path.string(), problems);
}

Json read_json_object(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  Json j = Json::parse(in, nullptr, false);
  return !j.is_discarded() && j.is_object() ? j : Json();
}

std::vector<Json> read_events(std::istream& in, const std::string& name, std::vector<LineProblem>* problems) {
  std::vector<Json> events;
  std::string text;
  for (uint64_t number = 1; std::getline(in, text); ++number) {
    // getline sets eof only when the line ended without its newline.
    const bool unterminated = in.eof();
    JsonLine line = read_json_line(text);
    if (line.problem.empty()) {
      events.push_back(std::move(line.value));
    } else if (problems) {
      problems->push_back({name, number, unterminated ? "cut mid-line (" + line.problem + ")" : line.problem});
    }
  }
  return events;
}

}  // namespace faultline::events
