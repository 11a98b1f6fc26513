#include "junit.h"

#include <fmt/core.h>

#include "events/schema.h"
#include "report/history_drawing.h"
#include "report/inert_text.h"

namespace faultline::report {
namespace {

using events::field;

std::string xml(const std::string& text, size_t max_bytes = 4096) {
  return html_escape(inert(text, {.keep_newlines = true, .max_bytes = max_bytes}));
}

// An attribute holds one line.
std::string xml_line(const std::string& text, size_t max_bytes = 1024) {
  return html_escape(inert(text, {.keep_newlines = false, .max_bytes = max_bytes}));
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// An example in one line: where and when, then its details.
std::string describe(const nlohmann::json& example) {
  std::string where = fmt::format("timeline {}, {:.3f} s", field<int>(example, "timeline"), field<double>(example, "t_ms") / 1000);
  if (const std::string service = field<std::string>(example, "service"); !service.empty()) where += ", in " + service;
  if (const int invocation = field<int>(example, "invocation"); invocation > 0) {
    where += fmt::format(", command {} {}", invocation, field<std::string>(example, "command"));
  }
  const nlohmann::json details = field<nlohmann::json>(example, "details");
  return details.is_null() ? where : where + ": " + dump(details);
}

}  // namespace

std::string junit_xml(const nlohmann::json& report) {
  const nlohmann::json run = field<nlohmann::json>(report, "run");
  const nlohmann::json properties = field<nlohmann::json>(report, "properties", nlohmann::json::array());
  size_t tests = 0, failures = 0;
  std::string cases;
  for (const nlohmann::json& p : properties) {
    ++tests;
    const std::string name = field<std::string>(p, "name");
    const std::string group = field<std::string>(p, "group", "Built-in");
    std::string classname = "faultline.";
    for (char c : group) classname += c == '-' ? '_' : c;  // Built-in -> Built_in: one identifier
    cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\"", xml_line(name), classname);
    const nlohmann::json location = field<nlohmann::json>(p, "location");
    if (location.is_object() && !field<std::string>(location, "file").empty()) {
      cases += fmt::format(" file=\"{}\" line=\"{}\"", xml_line(field<std::string>(location, "file")),
                           field<int64_t>(location, "line"));
    }
    const std::string counts = fmt::format("{} passes, {} fails", field<uint64_t>(p, "passes"), field<uint64_t>(p, "fails"));
    if (field<std::string>(p, "status") == "passed") {
      cases += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", counts);
      continue;
    }
    ++failures;
    const nlohmann::json counterexamples = field<nlohmann::json>(p, "counterexamples", nlohmann::json::array());
    const std::string type = field<std::string>(p, "type");
    std::string message, body = fmt::format("{} ({}): {}\n", type, counts, name);
    if (!counterexamples.empty()) {
      message = describe(counterexamples.front());
      for (const nlohmann::json& c : counterexamples) body += "counterexample: " + describe(c) + "\n";
    } else {
      // A Sometimes never true, a Reachable never reached: the failure is what did not happen.
      message = type == "Sometimes" ? "never true" : type == "Reachable" ? "never reached" : "not reached";
    }
    cases += fmt::format(">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n", xml_line(message),
                         xml_line(type), xml(body, 16384));
  }
  const std::string started = field<std::string>(run, "started");
  const double seconds = static_cast<double>(field<int64_t>(run, "duration_ms")) / 1000;
  const std::string project = field<std::string>(run, "project", "faultline");
  const std::string reproduce = field<std::string>(run, "reproduce");
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"faultline\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\"{}>\n",
                     tests, failures, seconds, started.empty() ? "" : fmt::format(" timestamp=\"{}\"", xml_line(started)));
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\"{}>\n",
                     xml_line(project.empty() ? "faultline" : project), tests, failures, seconds,
                     started.empty() ? "" : fmt::format(" timestamp=\"{}\"", xml_line(started)));
  out += "    <properties>\n";
  for (const char* key : {"seed", "template", "project", "directory"}) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key, xml_line(field<std::string>(run, key)));
  }
  out += fmt::format("      <property name=\"reproduce\" value=\"{}\"/>\n", xml_line(reproduce, 8192));
  out += "    </properties>\n";
  out += cases;
  out += fmt::format("    <system-out>reproduce: {}</system-out>\n", xml(reproduce, 8192));
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace faultline::report
