// Operation histories: one JSON line per event in $ANTITHESIS_OUTPUT_DIR/history.jsonl.
#include "faultline/history.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "faultline/sdk.h"
#include "json_text.h"
#include "random_source.h"

namespace faultline::sdk {
namespace {

// The history file, opened once for appending; -1 when there is no output directory.
int history_fd() {
  static const int fd = [] {
    const int saved = errno;
    const char* dir = std::getenv("ANTITHESIS_OUTPUT_DIR");
    int result = -1;
    if (dir != nullptr && *dir) {
      result = ::open((std::string(dir) + "/history.jsonl").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    errno = saved;
    return result;
  }();
  return fd;
}

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The line is put together as text: building a JSON object first (a map per line) cost four
// times as much as the write itself.
void write_event(int64_t process, const char* type, const std::string& f, const std::optional<std::string>& key,
                 const nlohmann::json& value) {
  const int fd = history_fd();
  if (fd < 0) return;
  std::string line = "{\"faultline_history\":{\"process\":" + std::to_string(process) + ",\"type\":\"" + type +
                     "\",\"f\":" + dump(f) + ",\"time\":" + std::to_string(monotonic_ns());
  if (key) line += ",\"key\":" + dump(*key);
  if (!value.is_null()) line += ",\"value\":" + dump(value);
  line += "}}\n";
  const int saved = errno;
  const ssize_t ignored = ::write(fd, line.data(), line.size());
  (void)ignored;
  errno = saved;
}

}  // namespace
}  // namespace faultline::sdk

extern "C" {

// Process ids are random 48-bit numbers: services each count pids from 1, so pids would collide.
int64_t faultline_history_new_process(void) {
  return static_cast<int64_t>(faultline::sdk::os_random() >> 16);
}

void faultline_history_record(int64_t process, const char* type, const char* f, const char* key, const char* value_json) {
  if (type == nullptr || f == nullptr) return;
  nlohmann::json value;
  if (value_json != nullptr && *value_json) {
    value = nlohmann::json::parse(value_json, nullptr, false);
    if (value.is_discarded()) value = std::string(value_json);
  }
  faultline::sdk::write_event(process, type, f, key ? std::optional<std::string>(key) : std::nullopt, value);
}

}  // extern "C"

namespace faultline::history {

Client::Client() : process_(faultline_history_new_process()) {}

Operation Client::invoke(std::string_view f, std::optional<std::string_view> key, const JsonValue& value) {
  std::optional<std::string> k;
  if (key) k = std::string(*key);
  sdk::write_event(process_, "invoke", std::string(f), k, sdk::to_nlohmann(value));
  return Operation(this, std::string(f), std::move(k), value);
}

Operation::Operation(Client* client, std::string f, std::optional<std::string> key, JsonValue input)
    : client_(client), f_(std::move(f)), key_(std::move(key)), input_(std::move(input)) {}

Operation::Operation(Operation&& other) noexcept
    : client_(other.client_), f_(std::move(other.f_)), key_(std::move(other.key_)), input_(std::move(other.input_)),
      done_(other.done_) {
  other.done_ = true;
}

Operation::~Operation() {
  if (!done_) info();
}

void Operation::complete(const char* type, const JsonValue& value) {
  if (done_) return;
  done_ = true;
  sdk::write_event(client_->process_, type, f_, key_, sdk::to_nlohmann(value));
}

void Operation::ok(const JsonValue& result) { complete("ok", result.variant().index() == 0 ? input_ : result); }
void Operation::fail() { complete("fail", input_); }
void Operation::info() {
  complete("info", input_);
  client_->process_ = faultline_history_new_process();  // as in Jepsen: a new process after an unknown outcome
}

}  // namespace faultline::history
