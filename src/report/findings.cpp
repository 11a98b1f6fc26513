#include "findings.h"

#include <algorithm>

#include "events/event_log.h"
#include "events/run_directory.h"

namespace faultline::report {
namespace fs = std::filesystem;
const char* to_string(Finding finding) {
  switch (finding) {
    case Finding::new_failing: return "new failing";
    case Finding::resolved: return "resolved";
    case Finding::still_failing: return "still failing";
    case Finding::passing: return "passing";
  }
  return "passing";
}

Findings compare(const std::vector<Property>& properties, const std::map<std::string, bool>& earlier,
                 const fs::path& earlier_directory) {
  Findings findings;
  findings.compared_with = earlier_directory;
  for (const Property& p : properties) {
    const auto before = earlier.find(p.id);
    const bool failed_before = before != earlier.end() && !before->second;
    Finding f;
    if (!p.passed()) {
      f = failed_before ? Finding::still_failing : Finding::new_failing;
    } else {
      f = failed_before ? Finding::resolved : Finding::passing;
    }
    findings.by_property[p.id] = f;
    auto& list = f == Finding::new_failing ? findings.new_failing
                 : f == Finding::resolved  ? findings.resolved
                 : f == Finding::still_failing ? findings.still_failing
                                               : findings.passing;
    list.push_back(p.id);
  }
  // A property that failed before and is gone now (its assertion removed, or never declared in
  // this run) no longer fails.
  for (const auto& [name, passed] : earlier) {
    if (!passed && !findings.by_property.count(name)) findings.resolved.push_back(name);
  }
  return findings;
}

std::map<std::string, bool> reported_properties(const fs::path& run_directory) {
  const events::RunDirectory directory(run_directory);
  std::map<std::string, bool> out;
  const nlohmann::json report = events::read_json_object(directory.report_json());
  if (report.is_object() && report.contains("properties") && report["properties"].is_array()) {
    for (const nlohmann::json& p : report["properties"]) {
      const std::string name = events::field<std::string>(p, "name");
      if (!name.empty()) out[name] = events::field<std::string>(p, "status") == "passed";
    }
    return out;
  }
  // A run without its report (killed before writing it): its events say the same.
  std::error_code ec;
  if (!fs::exists(directory.events(), ec)) return out;
  PropertyEvaluator evaluator;
  std::vector<events::LineProblem> skipped;
  for (const nlohmann::json& e : events::read_events(directory.events(), &skipped)) evaluator.add(e);
  for (const Property& p : evaluator.properties()) out[p.id] = p.passed();
  return out;
}

std::optional<fs::path> previous_run(const fs::path& run_directory) {
  const events::RunDirectory self(run_directory);
  const nlohmann::json info = events::read_json_object(self.run_json());
  const auto key = [](const nlohmann::json& j) {
    return std::make_pair(events::field<std::string>(j, "project"), events::field<std::string>(j, "template"));
  };
  const std::string started = events::field<std::string>(info, "started");
  const fs::path parent = fs::absolute(run_directory).lexically_normal().parent_path();
  const std::string own_name = fs::absolute(run_directory).lexically_normal().filename().string();
  std::optional<std::pair<std::string, std::string>> best;  // (started, name)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    if (!entry.is_directory(ec)) continue;
    const std::string name = entry.path().filename().string();
    if (name == own_name) continue;
    const nlohmann::json other = events::read_json_object(entry.path() / "run.json");
    if (!other.is_object() || key(other) != key(info)) continue;
    const std::pair<std::string, std::string> order{events::field<std::string>(other, "started"), name};
    if (order >= std::make_pair(started, own_name)) continue;  // a later run, or this one's twin
    if (!best || order > *best) best = order;
  }
  if (!best) return std::nullopt;
  return parent / best->second;
}

}  // namespace faultline::report
