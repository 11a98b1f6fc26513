#include "faultline/lifecycle.h"

#include <nlohmann/json.hpp>
#include <string>

#include "faultline/sdk.h"
#include "json_text.h"
#include "output.h"

namespace faultline::sdk {
namespace {

void write_setup_complete(nlohmann::json details) {
  Output::instance().write_line(
      dump(nlohmann::json{{"antithesis_setup", {{"status", "complete"}, {"details", std::move(details)}}}}));
}

void write_event(const std::string& name, nlohmann::json details) {
  Output::instance().write_line(dump(nlohmann::json{{name, std::move(details)}}));
}

}  // namespace
}  // namespace faultline::sdk

namespace faultline {

void setup_complete(const JsonObject& details) {
  sdk::write_setup_complete(sdk::to_nlohmann(details));
}

void send_event(std::string_view name, const JsonObject& details) {
  sdk::write_event(std::string(name), sdk::to_nlohmann(details));
}

}  // namespace faultline

extern "C" {

void faultline_setup_complete(const char* details_json) {
  faultline::sdk::write_setup_complete(faultline::sdk::details_from_text(details_json));
}

void faultline_send_event(const char* name, const char* details_json) {
  if (name == nullptr) return;
  faultline::sdk::write_event(name, faultline::sdk::details_from_text(details_json));
}

}  // extern "C"
