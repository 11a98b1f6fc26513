// SDK output as any process may write it, line by line, through the run's reading of each line and
// the property evaluator, to report.json's text: none of it may throw, crash or recurse too deep.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "report/properties.h"
#include "report/junit.h"
#include "report/report.h"
#include "run/sdk_lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  report::PropertyEvaluator evaluator;
  evaluator.add({{"type", "template"}, {"timeline", 1}, {"commands", {"first_x"}}});
  const std::string file = "commands/1/sdk.jsonl";
  uint64_t number = 0;
  for (size_t start = 0; start <= input.size();) {
    size_t end = input.find('\n', start);
    const bool unterminated = end == std::string_view::npos;
    if (unterminated) end = input.size();
    const std::string text(input.substr(start, end - start));
    const events::JsonLine line = run::read_sdk_line({file, ++number, text, text.size(), unterminated});
    events::Source source{file, "box", 1, "first_x", number};
    nlohmann::json event = line.problem.empty() ? nlohmann::json(events::SdkLine{1, source, line.value})
                                                : nlohmann::json(events::SdkInvalid{1, source, events::kept_text(text), line.problem});
    event["type"] = line.problem.empty() ? events::SdkLine::kType : events::SdkInvalid::kType;
    evaluator.add(event);
    start = end + 1;
  }
  report::Report report;
  report.properties = evaluator.properties();
  report.invalid_sdk_lines = evaluator.invalid_sdk_lines();
  report.document = report::report_json(events::RunDirectory("/nonexistent/faultline-fuzz-run"), report, nlohmann::json::object());
  (void)report.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)report::junit_xml(report.document);
  return 0;
}
