#include "event_log.h"

#include <fstream>
#include <stdexcept>

namespace faultline::events {

EventLog::EventLog(const std::filesystem::path& path)
    : file_(std::fopen(path.c_str(), "a")), start_(std::chrono::steady_clock::now()) {
  if (file_ == nullptr) throw std::runtime_error("cannot write " + path.string());
}

EventLog::~EventLog() { std::fclose(file_); }

double EventLog::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

void EventLog::set_listener(std::function<void(const nlohmann::json&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

nlohmann::json EventLog::write(const std::string& type, nlohmann::json fields) {
  std::lock_guard lock(mutex_);
  nlohmann::json event = nlohmann::json::object();
  event["t"] = static_cast<int64_t>(now_ms() * 1000) / 1000.0;
  event["type"] = type;
  for (auto& [key, value] : fields.items()) event[key] = std::move(value);
  const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
  if (listener_) listener_(event);
  return event;
}

std::vector<nlohmann::json> read_events(const std::filesystem::path& path, int* invalid) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<nlohmann::json> events;
  std::string line;
  int bad = 0;
  while (std::getline(in, line)) {
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object()) {
      ++bad;
      continue;
    }
    events.push_back(std::move(event));
  }
  if (invalid) *invalid = bad;
  return events;
}

}  // namespace faultline::events
