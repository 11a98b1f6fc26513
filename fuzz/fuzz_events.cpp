// events.jsonl as a damaged run directory may hold it (another version's, cut, edited): read back
// and evaluated, to report.json, junit.xml and report.html, as `faultline report` does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "events/event_log.h"
#include "report/properties.h"
#include "report/html_page.h"
#include "report/junit.h"
#include "report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<events::LineProblem> unreadable;
  report::Report report = report::evaluate_events(events::read_events(in, "events.jsonl", &unreadable));
  report.unreadable_events = std::move(unreadable);
  // A directory that does not exist: no logs, no merged histories, no run.json.
  const events::RunDirectory directory("/nonexistent/faultline-fuzz-run");
  report.document = report::report_json(directory, report, nlohmann::json::object());
  (void)report::junit_xml(report.document);
  (void)report::report_html(directory, report, {});
  return 0;
}
