#include "sdk_lines.h"

#include <cstdlib>

#include "events/json_line.h"
#include "report/sdk_line_shape.h"

namespace faultline::run {

SdkLines::SdkLines(const std::filesystem::path& sdk_dir, int timeline, events::EventLog& log,
                   std::function<void()> on_setup_complete)
    : timeline_(timeline), log_(log), on_setup_complete_(std::move(on_setup_complete)) {
  tail_ = std::make_unique<SdkTail>(sdk_dir, [this](const SdkTail::Line& line) { on_line(line); });
}

SdkLines::~SdkLines() { stop(); }

void SdkLines::stop() { tail_->stop(); }

void SdkLines::add_invocation(int id, const std::string& command, const std::string& service,
                              const std::filesystem::path& dir) {
  {
    std::lock_guard lock(mutex_);
    invocations_[id] = {command, service};
  }
  tail_->watch(dir);
}

// services/<name>/... or commands/<invocation>/...
events::Source SdkLines::source_of(const std::string& file) {
  events::Source source;
  source.file = file;
  const size_t slash = file.find('/');
  if (slash == std::string::npos) return source;
  const std::string kind = file.substr(0, slash);
  const std::string rest = file.substr(slash + 1);
  const std::string owner = rest.substr(0, rest.find('/'));
  if (kind == "services") {
    source.service = owner;
  } else if (kind == "commands") {
    source.invocation = std::atoi(owner.c_str());
    std::lock_guard lock(mutex_);
    const auto it = invocations_.find(source.invocation);
    if (it != invocations_.end()) std::tie(source.command, source.service) = it->second;
  }
  return source;
}

events::JsonLine read_sdk_line(const SdkTail::Line& sdk_line) {
  events::JsonLine parsed = events::read_json_line(sdk_line.text, sdk_line.full_bytes);
  if (parsed.problem.empty()) parsed.problem = report::sdk_line_problem(parsed.value);
  if (!parsed.problem.empty()) {
    parsed.value = nullptr;
    if (sdk_line.unterminated) parsed.problem = "cut mid-line (" + parsed.problem + ")";
  }
  return parsed;
}

void SdkLines::on_line(const SdkTail::Line& sdk_line) {
  if (sdk_line.full_bytes == 0 && !sdk_line.unterminated) return;  // an empty line says nothing
  events::Source source = source_of(sdk_line.file);
  source.line_number = sdk_line.number;
  const events::JsonLine parsed = read_sdk_line(sdk_line);
  if (!parsed.problem.empty()) {
    log_.write(events::SdkInvalid{timeline_, source, events::kept_text(sdk_line.text, sdk_line.full_bytes), parsed.problem});
    return;
  }
  const events::Json& line = parsed.value;
  if (const auto request = line.find("faultline_stop_faults"); request != line.end()) {
    log_.write(events::StopFaults{timeline_, source, events::field<int64_t>(*request, "seconds")});
    return;
  }
  const bool setup = line.contains("antithesis_setup");
  log_.write(events::SdkLine{timeline_, source, line});
  if (!setup) return;
  {
    std::lock_guard lock(mutex_);
    if (setup_seen_) return;
    setup_seen_ = true;
  }
  log_.write(events::SetupComplete{timeline_, source, events::field<events::Json>(line["antithesis_setup"], "details")});
  if (on_setup_complete_) on_setup_complete_();
}

}  // namespace faultline::run
