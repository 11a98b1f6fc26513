#include "html_page.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "events/event_log.h"
#include "report/assets.h"
#include "report/report.h"

namespace faultline::report {
namespace fs = std::filesystem;
namespace {

using events::field;
using nlohmann::json;

constexpr std::string_view kReportMarker = "{{FAULTLINE_REPORT_DATA}}";
constexpr std::string_view kRunsMarker = "{{FAULTLINE_RUNS_DATA}}";
// A log line longer than this is cut in the page (the log file keeps it whole).
constexpr size_t kLineBytesShown = 2000;

std::string embed(std::string_view page, std::string_view marker, const json& data) {
  const size_t at = page.find(marker);
  if (at == std::string_view::npos) throw std::logic_error("report page template without its data marker");
  std::string out;
  out.reserve(page.size() + 4096);
  out.append(page.substr(0, at));
  out += script_safe_json(data);
  out.append(page.substr(at + marker.size()));
  return out;
}

struct LogLine {
  double t = 0;
  size_t source = 0;
  std::string stream;  // out, err, event
  std::string text;
};

// A log file's lines: "<seconds since the run started> <stdout|stderr> <text>".
void read_log_file(const fs::path& path, size_t source, std::vector<LogLine>& out) {
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    const size_t second = line.find(' ', space + 1);
    char* end = nullptr;
    const double seconds = std::strtod(line.c_str(), &end);
    if (end != line.c_str() + space) continue;
    const std::string stream = line.substr(space + 1, (second == std::string::npos ? line.size() : second) - space - 1);
    std::string text = second == std::string::npos ? "" : line.substr(second + 1);
    if (text.size() > kLineBytesShown) text = text.substr(0, kLineBytesShown) + fmt::format(" ... [{} bytes]", text.size());
    out.push_back({seconds * 1000, source, stream == "stderr" ? "err" : "out", std::move(text)});
  }
}

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

}  // namespace

std::string script_safe_json(const json& data) {
  const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // In JSON these occur only inside strings, where the escape means the same character.
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' && (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

json merged_log(const events::RunDirectory& directory, const Report& report, const ReportOptions& options) {
  const RunFacts& facts = report.facts;
  json sources = json::array();
  std::map<std::pair<int, std::string>, size_t> source_of;
  const auto source = [&](int timeline, const std::string& name, const char* kind) {
    auto [it, added] = source_of.try_emplace({timeline, name}, sources.size());
    if (added) sources.push_back({{"timeline", timeline}, {"name", name}, {"kind", kind}});
    return it->second;
  };
  std::vector<LogLine> lines;
  for (const TimelineFacts& t : facts.timelines) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory.logs(t.timeline), ec)) {
      if (entry.path().extension() == ".log") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::map<std::string, const CommandRecord*> command_of;  // a command log's source name -> its invocation
    for (const CommandRecord& c : facts.commands) {
      if (c.timeline == t.timeline) {
        command_of[events::RunDirectory::command_log_source(c.started.invocation, c.started.command)] = &c;
      }
    }
    for (const fs::path& file : files) {
      const std::string name = file.stem().string();
      const bool is_command = events::RunDirectory::is_command_log_source(name);
      const size_t index = source(t.timeline, name, is_command ? "command" : "service");
      if (const auto c = command_of.find(name); is_command && c != command_of.end()) {
        sources[index]["invocation"] = c->second->started.invocation;
        sources[index]["command"] = c->second->started.command;
        sources[index]["service"] = c->second->started.service;
      }
      read_log_file(file, index, lines);
    }
    const size_t composer = source(t.timeline, "composer", "composer");
    if (t.setup_ms) lines.push_back({*t.setup_ms, composer, "event", "setup complete"});
    for (const PhaseRecord& p : t.phases) {
      lines.push_back({p.t_ms, composer, "event", "phase " + p.phase + (p.ending.empty() ? "" : " (" + p.ending + ")")});
    }
    for (const std::string& name : t.service_order) {
      for (const ServiceState& s : t.services.at(name)) {
        lines.push_back({s.t_ms, composer, "event", "service " + name + " " + s.state + (s.detail.empty() ? "" : ": " + s.detail)});
      }
    }
  }
  for (const CommandRecord& c : facts.commands) {
    const size_t composer = source(c.timeline, "composer", "composer");
    const std::string what = fmt::format("command {} {}", c.started.invocation, c.started.command);
    lines.push_back({c.start_ms, composer, "event", what + " started in " + c.started.service});
    if (c.end_ms) {
      std::string how = c.killed_by_composer ? "ended by the composer" : fmt::format("exited {}", c.status.value_or(-1));
      if (c.timed_out) how += " (timed out)";
      lines.push_back({*c.end_ms, composer, "event", what + " " + how});
    }
  }
  for (const FaultRecord& f : facts.faults) {
    const size_t faults = source(f.timeline, "faults", "faults");
    const std::string description = field<std::string>(f.started.details, "description", f.started.name + " " + join(f.started.affected_nodes, " "));
    lines.push_back({f.start_ms, faults, "event", fmt::format("fault {}: {}", f.started.fault, description)});
    if (f.end_ms) {
      lines.push_back({*f.end_ms, faults, "event",
                       fmt::format("fault {} ended: {}{}", f.started.fault, f.reason, f.error.empty() ? "" : " (" + f.error + ")")});
    }
  }
  for (const auto& [t, f] : facts.fault_failed) {
    lines.push_back({t, source(f.timeline, "faults", "faults"), "event",
                     fmt::format("{} {} could not be put in force: {}", f.name, join(f.affected_nodes, " "), f.reason)});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const LogLine& a, const LogLine& b) { return a.t < b.t; });

  // Past the cap, the lines around counterexamples come first, then the earliest others.
  size_t omitted = 0;
  if (lines.size() > options.max_log_lines) {
    const double window = static_cast<double>(options.log_window.count());
    std::vector<std::pair<int, double>> moments;
    for (const Property& p : report.properties) {
      for (const Example& e : p.counterexamples) moments.emplace_back(e.timeline, e.t);
    }
    std::vector<char> keep(lines.size(), 0);
    size_t kept = 0;
    for (size_t i = 0; i < lines.size() && kept < options.max_log_lines; ++i) {
      const int timeline = sources[lines[i].source]["timeline"].get<int>();
      for (const auto& [tl, t] : moments) {
        if (tl == timeline && lines[i].t >= t - window && lines[i].t <= t + window) {
          keep[i] = 1;
          ++kept;
          break;
        }
      }
    }
    for (size_t i = 0; i < lines.size() && kept < options.max_log_lines; ++i) {
      if (!keep[i]) {
        keep[i] = 1;
        ++kept;
      }
    }
    std::vector<LogLine> chosen;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (keep[i]) chosen.push_back(std::move(lines[i]));
    }
    omitted = lines.size() - chosen.size();
    lines = std::move(chosen);
  }
  json out_lines = json::array();
  for (LogLine& l : lines) out_lines.push_back(json::array({l.t, l.source, l.stream, std::move(l.text)}));
  return {{"sources", sources}, {"lines", out_lines}, {"omitted", omitted}};
}

std::string report_html(const events::RunDirectory& directory, const Report& report, const ReportOptions& options) {
  json data = report.document;
  data["settings"] = {{"log_window_ms", options.log_window.count()}};
  data["log"] = merged_log(directory, report, options);
  return embed(assets::kReportPage, kReportMarker, data);
}

bool has_runs_index(const fs::path& folder) {
  std::ifstream in(folder / "index.html", std::ios::binary);
  if (!in) return false;
  // The data's keys are in order, so "schema" follows the list of runs: read it all (a page of
  // thousands of runs is a few MiB), up to a bound.
  std::error_code ec;
  const uintmax_t size = fs::file_size(folder / "index.html", ec);
  std::string text(ec ? 0 : std::min<uintmax_t>(size, 64 << 20), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text.find("\"schema\":\"faultline-runs\"") != std::string::npos;
}

fs::path update_runs_index(const fs::path& run_directory, bool create) {
  const fs::path folder = fs::absolute(run_directory).lexically_normal().parent_path();
  if (!create && !has_runs_index(folder)) return {};
  write_runs_index(folder);
  return folder / "index.html";
}

void write_runs_index(const fs::path& runs_folder) {
  struct Row {
    std::string started, name;
    json row;
  };
  std::vector<Row> rows;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runs_folder, ec)) {
    if (!entry.is_directory(ec)) continue;
    const events::RunDirectory run(entry.path());
    const json info = events::read_json_object(run.run_json());
    if (info.is_null()) continue;
    const json report = events::read_json_object(run.report_json());
    const json verdict = field<json>(report, "verdict");
    const json findings = field<json>(report, "findings");
    std::string status = field<std::string>(verdict, "status", "unknown");
    if (field<bool>(verdict, "interrupted")) status = "interrupted";
    const auto count = [&](const char* key) { return field<json>(findings, key, json::array()).size(); };
    Row r{field<std::string>(info, "started"), entry.path().filename().string(), {}};
    r.row = {{"directory", r.name},
             {"template", field<std::string>(info, "template")},
             {"project", field<std::string>(info, "project")},
             {"seed", field<std::string>(info, "seed")},
             {"started", r.started},
             {"duration_ms", field<int64_t>(info, "duration_ms")},
             {"status", status},
             {"failing", field<int64_t>(verdict, "failing")},
             {"properties", field<int64_t>(verdict, "properties")},
             {"findings", {{"new_failing", count("new_failing")}, {"resolved", count("resolved")}, {"still_failing", count("still_failing")}}}};
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.started, a.name) > std::tie(b.started, b.name);
  });
  json runs = json::array();
  for (Row& r : rows) runs.push_back(std::move(r.row));
  const json data = {{"schema", "faultline-runs"}, {"schema_version", 1}, {"runs", runs}};
  write_file_atomically(runs_folder / "index.html", embed(assets::kRunsPage, kRunsMarker, data));
}

}  // namespace faultline::report
