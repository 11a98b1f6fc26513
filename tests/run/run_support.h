// Test support for `faultline run`: synthetic templates of small shell commands, and the
// invocations a run recorded in its events.jsonl.
#ifndef FAULTLINE_TESTS_RUN_RUN_SUPPORT_H_
#define FAULTLINE_TESTS_RUN_RUN_SUPPORT_H_

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "subprocess.h"

namespace faultline::testing {

// Waits (at most `rounds` x 100 ms) until the run's events.jsonl holds `text`.
inline bool wait_for_event(const std::filesystem::path& events, const std::string& text, int rounds = 200) {
  const int fd = inotify_init1(IN_CLOEXEC);
  inotify_add_watch(fd, events.parent_path().c_str(), IN_MODIFY | IN_CREATE);
  bool found = false;
  for (int round = 0; round < rounds && !found; ++round) {
    std::ifstream in(events);
    std::stringstream all;
    all << in.rdbuf();
    found = all.str().find(text) != std::string::npos;
    if (!found) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, 100) > 0) {
        char buffer[4096];
        const ssize_t ignored = read(fd, buffer, sizeof buffer);
        (void)ignored;
      }
    }
  }
  close(fd);
  return found;
}

// One command invocation as the run recorded it.
struct Invocation {
  int id = 0;
  int timeline = 0;
  std::string command, kind, service;
  double start = 0, end = -1;
  int status = -1;
  bool killed_by_composer = false, timed_out = false;
};

struct RunRecord {
  int exit_status = -1;
  std::string output;  // faultline's stdout and stderr
  std::vector<nlohmann::json> events;
  std::vector<Invocation> invocations;  // in start order
  nlohmann::json report;

  std::vector<Invocation> of_timeline(int timeline) const {
    std::vector<Invocation> out;
    for (const auto& i : invocations) {
      if (i.timeline == timeline) out.push_back(i);
    }
    return out;
  }
  std::vector<int> timelines() const {
    std::vector<int> out;
    for (const auto& e : events) {
      if (e.value("type", "") == "timeline_started") out.push_back(e.value("timeline", 0));
    }
    return out;
  }
  const nlohmann::json* property(const std::string& name) const {
    if (!report.is_object() || !report.contains("properties")) return nullptr;
    for (const auto& p : report.at("properties")) {
      if (p.value("name", "") == name) return &p;
    }
    return nullptr;
  }
};

// A folder with a compose file of two services that hold the template `main`; `setup` is true
// for a service that writes setup complete.
class SyntheticTemplate {
 public:
  explicit SyntheticTemplate(bool setup = true) {
    std::filesystem::create_directories(dir_.path() / "main");
    const std::string emit_setup =
        setup ? "echo '{\"antithesis_setup\":{\"status\":\"complete\",\"details\":{}}}' >> $$ANTITHESIS_OUTPUT_DIR/sdk.jsonl; "
              : "echo no setup here; ";
    std::ofstream(dir_.path() / "compose.yaml")
        << "services:\n"
           "  box:\n"
           "    command: [\"/bin/sh\", \"-c\", \"" << escape(emit_setup) << "exec sleep 100000\"]\n"
           "    volumes: [\"./main:/opt/antithesis/test/v1/main\"]\n"
           "  other:\n"
           "    command: sleep 100000\n"
           "    volumes: [\"./main:/opt/antithesis/test/v1/main\"]\n";
  }

  // Adds an executable shell command: it prints its start and end around `body`.
  void command(const std::string& name, const std::string& body = "sleep 0.05") {
    const auto path = dir_.path() / "main" / name;
    std::ofstream(path) << "#!/bin/sh\necho start " << name << "\n" << body << "\nstatus=$?\necho end " << name
                        << "\nexit $status\n";
    chmod(path.c_str(), 0755);
  }

  const std::filesystem::path& path() const { return dir_.path(); }

  // Runs faultline run on this folder with `args`; reads what it recorded.
  RunRecord run(const std::vector<std::string>& args) const {
    const auto out = dir_.path() / ("run-" + std::to_string(++runs_));
    std::vector<std::string> argv{FAULTLINE_BIN, "run", dir_.path().string(), "--out", out.string(), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunRecord record;
    record.exit_status = testing::run(argv, {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, &record.output, /*merge_stderr=*/true);
    read_into(out, record);
    return record;
  }

  static void read_into(const std::filesystem::path& out, RunRecord& record) {
    std::ifstream events(out / "events.jsonl");
    std::map<int, size_t> index;
    for (std::string line; std::getline(events, line);) {
      nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
      if (e.is_discarded()) continue;
      record.events.push_back(e);
      const std::string type = e.value("type", "");
      if (type == "command_started") {
        Invocation i;
        i.id = e.value("invocation", 0);
        i.timeline = e.value("timeline", 0);
        i.command = e.value("command", "");
        i.kind = e.value("kind", "");
        i.service = e.value("service", "");
        i.start = e.value("t", 0.0);
        index[i.id * 1000 + i.timeline] = record.invocations.size();
        record.invocations.push_back(i);
      } else if (type == "command_finished") {
        auto it = index.find(e.value("invocation", 0) * 1000 + e.value("timeline", 0));
        if (it == index.end()) continue;
        Invocation& i = record.invocations[it->second];
        i.end = e.value("t", 0.0);
        i.status = e.value("status", -1);
        i.killed_by_composer = e.value("killed_by_composer", false);
        i.timed_out = e.value("timed_out", false);
      }
    }
    std::ifstream report(out / "report.json");
    record.report = nlohmann::json::parse(report, nullptr, false);
  }

 private:
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
  TempDir dir_;
  mutable int runs_ = 0;
};

}  // namespace faultline::testing

#endif  // FAULTLINE_TESTS_RUN_RUN_SUPPORT_H_
