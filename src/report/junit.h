// junit.xml: one test case per property, so that CI systems show a run's properties natively.
// The format is the Ant/Surefire one that Jenkins, GitLab and GitHub's test reporters read
// (tests/report/junit.xsd; docs/report-schema.md).
#ifndef FAULTLINE_SRC_REPORT_JUNIT_H_
#define FAULTLINE_SRC_REPORT_JUNIT_H_

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::report {

// The junit.xml document of a report.json document (report_json): a failing property is a
// failure whose message is its first counterexample. Every text from the system under test is
// made inert (no control characters, which XML 1.0 cannot hold even escaped) and escaped.
std::string junit_xml(const nlohmann::json& report);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_JUNIT_H_
