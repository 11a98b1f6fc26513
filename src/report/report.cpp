#include "report.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>

#include "events/event_log.h"
#include "faultline/version.h"
#include "report/history_lanes.h"
#include "report/html_page.h"
#include "report/junit.h"

namespace faultline::report {
namespace fs = std::filesystem;
namespace {

using events::field;
using nlohmann::json;

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(); }

const char* group_of(const Property& p) {
  if (p.builtin) return "Built-in";
  if (p.assert_type == "sometimes") return "Sometimes";
  if (p.assert_type == "reachability") return "Reachability";
  return "Always";
}

// The platform's five types, by the spec's table: an SDK's own display type (a rich assertion's
// AlwaysGreaterThan, say) is one of them in meaning.
const char* type_of(const Property& p) {
  if (p.assert_type == "sometimes") return "Sometimes";
  if (p.assert_type == "reachability") return p.must_hit ? "Reachable" : "Unreachable";
  return p.must_hit ? "Always" : "AlwaysOrUnreachable";
}

int group_rank(const Property& p) {
  const std::string group = group_of(p);
  return group == "Always" ? 0 : group == "Sometimes" ? 1 : group == "Reachability" ? 2 : 3;
}

// A command's kind as the platform names it: its prefix without the underscore (parallel_driver).
std::string command_kind(const CommandRecord& c) {
  std::string kind = c.started.kind;
  if (!kind.empty() && kind.back() == '_') kind.pop_back();
  return kind;
}

json to_json(const Example& e, const RunFacts& facts) {
  json since_setup;
  if (const TimelineFacts* t = facts.timeline(e.timeline); t && t->setup_ms && e.t >= *t->setup_ms) since_setup = e.t - *t->setup_ms;
  return {{"timeline", e.timeline}, {"t_ms", e.t},          {"since_setup_ms", since_setup}, {"service", e.service},
          {"invocation", e.invocation}, {"command", e.command}, {"details", e.details}};
}

json to_json(const events::LineProblem& p) { return {{"file", p.file}, {"line", p.line}, {"problem", p.problem}}; }

json to_json(const InvalidLines& invalid) {
  json first = json::array();
  for (const InvalidLine& line : invalid.first) {
    json j = to_json(line.where);
    j["text"] = line.text;
    first.push_back(std::move(j));
  }
  return {{"count", invalid.count}, {"by_file", invalid.by_file}, {"first", first}};
}

json location_json(const Location& l) {
  if (!l.known()) return nullptr;
  return {{"file", l.file}, {"line", l.line}, {"function", l.function}, {"class", l.class_name}};
}

// Shell words: a word with anything but safe characters goes in single quotes.
std::string shell_quote(const std::string& word) {
  const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("-_./=:,+@%").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (safe) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string fault_setup_text(const json& faults) {
  if (!faults.is_object()) return "";
  std::string kinds;
  for (const json& k : field<json>(faults, "kinds", json::array())) {
    if (k.is_string()) kinds += (kinds.empty() ? "" : ", ") + k.get<std::string>();
  }
  if (kinds.empty()) return "none";
  return fmt::format("{} at {:g}/min", kinds, field<double>(faults, "rate_per_minute"));
}

json run_json_of(const events::RunDirectory& directory, const json& info, const RunFacts& facts) {
  const json exit_status = info.contains("exit_status") && info["exit_status"].is_number_integer() ? info["exit_status"]
                           : facts.exit_status                                                   ? json(*facts.exit_status)
                                                                                                 : json();
  std::vector<std::string> arguments;
  for (const json& a : field<json>(info, "arguments", json::array())) {
    if (a.is_string()) arguments.push_back(a.get<std::string>());
  }
  return {{"directory", fs::absolute(directory.root()).lexically_normal().string()},
          {"template", field<std::string>(info, "template")},
          {"project", field<std::string>(info, "project")},
          {"seed", field<std::string>(info, "seed")},
          {"duration_ms", field<int64_t>(info, "duration_ms")},
          {"timeline_length_ms", field<int64_t>(info, "timeline_length_ms")},
          {"started", field<std::string>(info, "started")},
          {"finished", field<std::string>(info, "ended")},
          {"exit_status", exit_status},
          {"arguments", arguments},
          {"reproduce", reproduce_command(info)},
          {"timelines", facts.timelines.size()},
          {"faults", fault_setup_text(field<json>(info, "faults"))}};
}

json counts_json(const RunFacts& facts, const InvalidLines& invalid) {
  struct KindCounts {
    uint64_t invocations = 0, timed_out = 0, killed = 0, unfinished = 0;
    std::map<std::string, uint64_t> by_status;
  };
  std::map<std::string, KindCounts> kinds;
  for (const CommandRecord& c : facts.commands) {
    KindCounts& k = kinds[command_kind(c)];
    ++k.invocations;
    if (!c.status) {
      ++k.unfinished;
    } else {
      ++k.by_status[std::to_string(*c.status)];
    }
    k.timed_out += c.timed_out;
    k.killed += c.killed_by_composer;
  }
  json commands = json::array();
  for (const auto& [kind, k] : kinds) {
    commands.push_back({{"kind", kind}, {"invocations", k.invocations}, {"by_status", k.by_status},
                        {"timed_out", k.timed_out}, {"killed_by_composer", k.killed}, {"unfinished", k.unfinished}});
  }
  std::map<std::string, uint64_t> faults;
  for (const FaultRecord& f : facts.faults) ++faults[f.started.name];
  return {{"commands", commands},
          {"faults", faults},
          {"sdk_lines", {{"read", facts.sdk_lines}, {"invalid", invalid.count}}},
          {"history_operations", facts.history_operations},
          {"events", facts.events}};
}

json timelines_json(const events::RunDirectory& directory, const RunFacts& facts) {
  json out = json::array();
  for (const TimelineFacts& t : facts.timelines) {
    json phases = json::array(), services = json::array(), failures = json::array();
    for (const PhaseRecord& p : t.phases) phases.push_back({{"phase", p.phase}, {"ending", p.ending}, {"t_ms", p.t_ms}});
    for (const std::string& name : t.service_order) {
      json states = json::array();
      for (const ServiceState& s : t.services.at(name)) states.push_back({{"t_ms", s.t_ms}, {"state", s.state}, {"detail", s.detail}});
      services.push_back({{"name", name}, {"states", states}});
    }
    for (const AssertionFailure& f : t.assertion_failures) {
      failures.push_back({{"t_ms", f.t_ms}, {"property", f.property}, {"service", f.service}, {"invocation", f.invocation}});
    }
    json history;
    if (t.history) {
      const events::HistoryChecked& h = *t.history;
      history = {{"model", h.model},
                 {"verdict", h.verdict},
                 {"operations", h.operations},
                 {"seconds", h.seconds},
                 {"error", h.error},
                 {"cannot_be_ordered", h.cannot_be_ordered},
                 {"partial_linearization_tail", h.partial_linearization_tail},
                 // The run directory's own copy: the path recorded may be of another machine.
                 {"drawing", history_lanes(directory.merged_history(t.timeline), h)}};
    }
    out.push_back({{"timeline", t.timeline},
                   {"seed", t.seed},
                   {"outcome", t.outcome},
                   {"ending", t.ending},
                   {"start_ms", t.start_ms},
                   {"end_ms", t.end_ms},
                   {"setup_ms", optional_number(t.setup_ms)},
                   {"phases", phases},
                   {"services", services},
                   {"assertion_failures", failures},
                   {"history", history}});
  }
  return out;
}

json findings_json(const std::optional<Findings>& findings) {
  if (!findings) {
    return {{"compared_with", nullptr}, {"new_failing", json::array()}, {"resolved", json::array()},
            {"still_failing", json::array()}, {"passing", json::array()}};
  }
  return {{"compared_with", fs::absolute(findings->compared_with).lexically_normal().string()},
          {"new_failing", findings->new_failing},
          {"resolved", findings->resolved},
          {"still_failing", findings->still_failing},
          {"passing", findings->passing}};
}

}  // namespace

json report_json(const events::RunDirectory& directory, const Report& report, const json& info) {
  const RunFacts& facts = report.facts;
  std::vector<const Property*> sorted;
  for (const Property& p : report.properties) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Property* a, const Property* b) {
    if (a->passed() != b->passed()) return !a->passed();
    if (group_rank(*a) != group_rank(*b)) return group_rank(*a) < group_rank(*b);
    return a->id < b->id;
  });
  json properties = json::array();
  int failing = 0;
  for (const Property* p : sorted) {
    json examples = json::array(), counterexamples = json::array();
    for (const Example& e : p->examples) examples.push_back(to_json(e, facts));
    for (const Example& e : p->counterexamples) counterexamples.push_back(to_json(e, facts));
    failing += p->passed() ? 0 : 1;
    json finding;
    if (report.findings) finding = to_string(report.findings->by_property.at(p->id));
    properties.push_back({{"name", p->id},
                          {"group", group_of(*p)},
                          {"type", type_of(*p)},
                          {"assert_type", p->assert_type},
                          {"must_hit", p->must_hit},
                          {"builtin", p->builtin},
                          {"status", p->passed() ? "passed" : "failed"},
                          {"finding", finding},
                          {"passes", p->passes},
                          {"fails", p->fails},
                          {"location", location_json(p->location)},
                          {"examples", examples},
                          {"counterexamples", counterexamples}});
  }
  json faults = json::array(), unavailable = json::array(), failed = json::array(), commands = json::array();
  for (const FaultRecord& f : facts.faults) {
    faults.push_back({{"timeline", f.timeline},
                      {"fault", f.started.fault},
                      {"name", f.started.name},
                      {"fault_type", f.started.type},
                      {"affected_nodes", f.started.affected_nodes},
                      {"details", f.started.details},
                      {"start_ms", f.start_ms},
                      {"end_ms", optional_number(f.end_ms)},
                      {"reason", f.reason},
                      {"error", f.error}});
  }
  for (const events::FaultUnavailable& u : facts.fault_unavailable) {
    unavailable.push_back({{"timeline", u.timeline}, {"name", u.name}, {"reason", u.reason}});
  }
  for (const auto& [t, f] : facts.fault_failed) {
    failed.push_back({{"timeline", f.timeline}, {"t_ms", t}, {"name", f.name}, {"affected_nodes", f.affected_nodes}, {"reason", f.reason}});
  }
  for (const CommandRecord& c : facts.commands) {
    const fs::path log = directory.log(c.timeline, events::RunDirectory::command_log_source(c.started.invocation, c.started.command))
                             .lexically_relative(directory.root());
    commands.push_back({{"timeline", c.timeline},
                        {"invocation", c.started.invocation},
                        {"command", c.started.command},
                        {"kind", command_kind(c)},
                        {"service", c.started.service},
                        {"start_ms", c.start_ms},
                        {"end_ms", optional_number(c.end_ms)},
                        {"status", c.status ? json(*c.status) : json()},
                        {"timed_out", c.timed_out},
                        {"killed_by_composer", c.killed_by_composer},
                        {"log", log.string()}});
  }
  json unreadable = json::array();
  for (const events::LineProblem& p : report.unreadable_events) unreadable.push_back(to_json(p));
  const json run = run_json_of(directory, info, facts);
  const bool interrupted = run["exit_status"] == 130;
  return {{"schema", "faultline-report"},
          {"schema_version", kReportSchemaVersion},
          {"faultline_version", FAULTLINE_VERSION},
          {"run", run},
          {"verdict", {{"status", failing > 0 ? "failed" : "passed"}, {"properties", properties.size()}, {"failing", failing},
                       {"interrupted", interrupted}}},
          {"counts", counts_json(facts, report.invalid_sdk_lines)},
          {"findings", findings_json(report.findings)},
          {"properties", properties},
          {"faults", faults},
          {"fault_unavailable", unavailable},
          {"fault_failed", failed},
          {"commands", commands},
          {"timelines", timelines_json(directory, facts)},
          {"invalid_sdk_lines", to_json(report.invalid_sdk_lines)},
          {"unreadable_events", unreadable}};
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + partial.string());
  }
  fs::rename(partial, path);
}

std::string reproduce_command(const json& run_info) {
  std::vector<std::string> words;
  const json arguments = field<json>(run_info, "arguments", json::array());
  // Options of `faultline run` that name this run's own output, not what it ran.
  const std::vector<std::string> dropped_with_value{"--out", "--seed", "--compare"};
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (!arguments[i].is_string()) continue;
    std::string word = arguments[i].get<std::string>();
    if (i == 0) {
      words.push_back("faultline");
      continue;
    }
    bool dropped = false;
    for (const std::string& option : dropped_with_value) {
      if (word == option) {
        ++i;
        dropped = true;
      } else if (word.rfind(option + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) words.push_back(std::move(word));
  }
  if (words.empty()) words = {"faultline", "run"};
  if (const std::string seed = field<std::string>(run_info, "seed"); !seed.empty()) {
    words.push_back("--seed");
    words.push_back(seed);
  }
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  // Paths in the arguments are as they were given, relative to where faultline was started.
  if (const std::string cwd = field<std::string>(run_info, "working_directory"); !cwd.empty()) {
    out = "cd " + shell_quote(cwd) + " && " + out;
  }
  return out;
}

Report evaluate_events(const std::vector<json>& events) {
  Report report;
  PropertyEvaluator evaluator;
  RunFactsCollector collector;
  for (const json& event : events) {
    evaluator.add(event);
    collector.add(event);
  }
  report.properties = evaluator.properties();
  report.invalid_sdk_lines = evaluator.invalid_sdk_lines();
  report.facts = collector.facts();
  return report;
}

Report build_report(const events::RunDirectory& directory, const ReportOptions& options) {
  std::vector<events::LineProblem> unreadable;
  Report report = evaluate_events(events::read_events(directory.events(), &unreadable));
  report.unreadable_events = std::move(unreadable);
  std::optional<fs::path> earlier = options.compare_with;
  if (!earlier && options.compare_with_previous) earlier = previous_run(directory.root());
  if (earlier) report.findings = compare(report.properties, reported_properties(*earlier), *earlier);
  // run.json is the run's own record; a damaged one leaves the report without it, not unwritten.
  json info = events::read_json_object(directory.run_json());
  if (info.is_null()) info = json::object();
  report.document = report_json(directory, report, info);
  return report;
}

void write_report_files(const events::RunDirectory& directory, const Report& report, const ReportOptions& options) {
  const auto text = [](const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; };
  write_file_atomically(directory.report_json(), text(report.document));
  write_file_atomically(directory.junit_xml(), junit_xml(report.document));
  write_file_atomically(directory.report_html(), report_html(directory, report, options));
}

Report write_report(const events::RunDirectory& directory, const ReportOptions& options) {
  Report report = build_report(directory, options);
  write_report_files(directory, report, options);
  return report;
}

}  // namespace faultline::report
