// events.jsonl as a damaged run directory may hold it (another version's, cut, edited): read back
// and evaluated, to report.json's text, as `faultline report` does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "events/event_log.h"
#include "report/properties.h"
#include "report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  report::Report report;
  report::PropertyEvaluator evaluator;
  for (const nlohmann::json& event : events::read_events(in, "events.jsonl", &report.unreadable_events)) evaluator.add(event);
  report.properties = evaluator.properties();
  report.invalid_sdk_lines = evaluator.invalid_sdk_lines();
  (void)report::report_json(report, nlohmann::json::object()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
