#include "service_logs.h"

#include <fmt/core.h>

#include "events/run_directory.h"

namespace faultline::run {

namespace {
constexpr size_t kLinesKept = 20;  // per service, shown when setup fails
}

ServiceLogs::ServiceLogs(std::filesystem::path dir, const events::EventLog& clock) : dir_(std::move(dir)), clock_(clock) {
  std::filesystem::create_directories(dir_);
}

void ServiceLogs::write(const std::string& source, const char* stream, const std::string& line) {
  std::lock_guard lock(mutex_);
  std::ofstream& file = files_[source];
  if (!file.is_open()) file.open(dir_ / (source + ".log"), std::ios::app);
  file << fmt::format("{:.3f} {} {}\n", clock_.now_ms() / 1000.0, stream, line);
  file.flush();
  if (events::RunDirectory::is_command_log_source(source)) return;
  auto& tail = tails_[source];
  tail.push_back(line);
  if (tail.size() > kLinesKept) tail.pop_front();
}

std::string ServiceLogs::last_service_lines() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& [source, lines] : tails_) {
    text += fmt::format("\n--- last lines of {} ---", source);
    for (const std::string& line : lines) text += "\n" + line;
  }
  return text;
}

}  // namespace faultline::run
