// The output of a timeline's services and command invocations: one file per source in the run
// directory (`<seconds since the run started> <stream> <line>`), and the last lines of each
// service, shown when setup fails.
#ifndef FAULTLINE_SRC_RUN_SERVICE_LOGS_H_
#define FAULTLINE_SRC_RUN_SERVICE_LOGS_H_

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "events/event_log.h"

namespace faultline::run {

class ServiceLogs {
 public:
  // Writes into `dir` (created), with times from `clock`.
  ServiceLogs(std::filesystem::path dir, const events::EventLog& clock);

  // Appends one line of `source` ("stdout" or "stderr" as `stream`). Thread-safe.
  void write(const std::string& source, const char* stream, const std::string& line);

  // The last lines of every service (not of commands), as a text to append to an error.
  std::string last_service_lines() const;

 private:
  std::filesystem::path dir_;
  const events::EventLog& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, std::ofstream> files_;
  std::map<std::string, std::deque<std::string>> tails_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SERVICE_LOGS_H_
