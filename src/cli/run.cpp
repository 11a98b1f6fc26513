#include "run.h"

#include <fmt/core.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "check/linearizability.h"
#include "check/parse.h"
#include "composer/scheduler.h"
#include "composer/templates.h"
#include "env/compose.h"
#include "env/environment.h"
#include "env/local/local_backend.h"
#include "events/event_log.h"
#include "faultline/version.h"
#include "report/properties.h"
#include "sdk_tail.h"
#include "signals.h"

namespace faultline::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using env::Duration;

// Inside every service, the timeline's SDK folder is mounted here.
constexpr const char* kSdkMount = "/run/faultline";
constexpr size_t kLogTail = 20;  // lines kept per service, shown when setup fails

// A configuration or setup problem: reported, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using composer::derive_seed;

std::string utc_now(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

std::string clock_text(double seconds) {
  const int s = static_cast<int>(seconds);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

void write_file(const fs::path& path, const std::string& text, bool executable = false) {
  std::ofstream(path) << text;
  if (executable) fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                            fs::perms::others_read | fs::perms::others_exec);
}

// The template's model for histories (top-level x-faultline: {model: NAME}), if it names one.
struct HistoryCheck {
  std::string model;
  Duration timeout{60000};
};

std::optional<HistoryCheck> history_check_of(const env::Project& project) {
  if (!project.x_faultline || !project.x_faultline->is_map()) return std::nullopt;
  const env::YamlPtr model = project.x_faultline->get("model");
  if (!model || !model->is_scalar()) return std::nullopt;
  if (!check::make_model(model->scalar)) {
    throw env::ConfigError(model->mark, "x-faultline.model",
                           "unknown model \"" + model->scalar + "\" (models: " + check::model_names() + ")");
  }
  HistoryCheck result{model->scalar, Duration(60000)};
  if (const env::YamlPtr timeout = project.x_faultline->get("check_timeout"); timeout && timeout->is_scalar()) {
    result.timeout = env::parse_duration(timeout->scalar, timeout->mark, "x-faultline.check_timeout");
  }
  return result;
}

// Merges every history.jsonl of a timeline's SDK folder by time into `merged` (faultline's history
// format) and checks it; returns the history_checked event's fields.
nlohmann::json check_timeline_history(const fs::path& sdk_dir, const fs::path& merged, const HistoryCheck& how) {
  std::vector<std::pair<int64_t, std::string>> lines;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(sdk_dir, ec)) {
    if (entry.path().filename() != "history.jsonl") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("faultline_history")) continue;
      lines.emplace_back(j["faultline_history"].value("time", int64_t{0}), line);
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text;
  for (const auto& [time, line] : lines) text += line + "\n";
  std::ofstream(merged) << text;
  nlohmann::json fields = {{"model", how.model}, {"history", merged.string()}};
  try {
    const auto ops = check::pair_operations(check::parse_history(text, check::Format::faultline, merged.string()));
    const auto model = check::make_model(how.model);
    check::CheckOptions options;
    options.timeout = how.timeout;
    const check::CheckResult result = check::check_linearizability(ops, *model, options);
    fields["verdict"] = result.verdict == check::Verdict::linearizable ? "linearizable"
                        : result.verdict == check::Verdict::unknown ? "unknown"
                                                                    : "not linearizable";
    fields["operations"] = ops.size();
    fields["seconds"] = result.seconds;
    if (result.verdict == check::Verdict::not_linearizable) {
      nlohmann::json minimal = nlohmann::json::array(), partial = nlohmann::json::array();
      for (size_t i : result.counterexample.minimal) {
        minimal.push_back(fmt::format("process {} {}", ops[i].process, model->describe(ops[i])));
      }
      const auto& c = result.counterexample;
      for (size_t k = c.partial.size() > 10 ? c.partial.size() - 10 : 0; k < c.partial.size(); ++k) {
        partial.push_back(fmt::format("process {} {} => {}", ops[c.partial[k]].process, model->describe(ops[c.partial[k]]), c.states[k]));
      }
      fields["cannot_be_ordered"] = minimal;
      fields["partial_linearization_tail"] = partial;
    }
  } catch (const std::exception& e) {
    fields["verdict"] = "error";
    fields["error"] = e.what();
  }
  return fields;
}

// Everything one run shares: the event log, the live evaluation, the status counters.
struct RunContext {
  explicit RunContext(const fs::path& out) : log(out / "events.jsonl") {
    cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    log.set_listener([this](const nlohmann::json& event) {
      std::lock_guard lock(evaluation_mutex);
      evaluator.add(event);
    });
  }
  ~RunContext() { close(cancel_fd); }

  int failing() {
    std::lock_guard lock(evaluation_mutex);
    return evaluator.failing();
  }
  void cancel() {
    interrupted = true;
    const uint64_t one = 1;
    const ssize_t ignored = write(cancel_fd, &one, sizeof one);
    (void)ignored;
  }

  events::EventLog log;
  std::mutex evaluation_mutex;
  report::PropertyEvaluator evaluator;
  int cancel_fd = -1;
  std::atomic<bool> interrupted{false};
  std::atomic<int> timeline{0};
  std::atomic<int> running{0};
  std::atomic<int> done{0};
};

// One timeline: a fresh environment, setup complete, the composer's phases, teardown.
class Timeline : public composer::CommandHost, public env::EnvironmentObserver {
 public:
  Timeline(RunContext& run, const env::Project& base, const composer::TestTemplate& tpl, int index, uint64_t seed,
           const fs::path& out, std::optional<HistoryCheck> history_check)
      : run_(run), template_(tpl), index_(index), seed_(seed), history_check_(std::move(history_check)),
        dir_(out / "timelines" / std::to_string(index)), logs_(out / "logs" / ("timeline-" + std::to_string(index))) {
    fs::create_directories(dir_ / "sdk" / "services");
    fs::create_directories(dir_ / "sdk" / "commands");
    fs::create_directories(dir_ / "sdk" / "bin");
    fs::create_directories(logs_);
    // ANTITHESIS_STOP_FAULTS: records the request, which the fault injector honours.
    write_file(dir_ / "sdk" / "bin" / "stop-faults",
               "#!/bin/sh\n# faultline: stop all faults for $1 seconds.\n"
               "case \"$1\" in ''|*[!0-9]*) echo \"usage: $0 SECONDS\" >&2; exit 2;; esac\n"
               "printf '{\"faultline_stop_faults\":{\"seconds\":%s}}\\n' \"$1\" >> " +
                   std::string(kSdkMount) + "/requests.jsonl\n",
               true);
    project_ = base;
    int service_index = 0;
    for (auto& [name, spec] : project_.services) {
      fs::create_directories(dir_ / "sdk" / "services" / name);
      spec.mounts.push_back({env::Mount::Kind::bind, (dir_ / "sdk").string(), kSdkMount, false});
      spec.environment["ANTITHESIS_SDK_LOCAL_OUTPUT"] = std::string(kSdkMount) + "/services/" + name + "/local.jsonl";
      spec.environment["ANTITHESIS_OUTPUT_DIR"] = std::string(kSdkMount) + "/services/" + name;
      spec.environment["ANTITHESIS_STOP_FAULTS"] = std::string(kSdkMount) + "/bin/stop-faults";
      spec.environment["FAULTLINE_SEED"] = std::to_string(derive_seed(seed_, 1000000 + service_index++));
    }
  }

  // Returns the timeline's outcome for run.json; throws UsageError when setup fails.
  nlohmann::json run(Duration driver_phase, const composer::SchedulerOptions& base_options, Duration setup_timeout) {
    run_.timeline = index_;
    run_.log.write("timeline_started", {{"timeline", index_}, {"seed", std::to_string(seed_)}});
    std::set<std::string> names;  // a command held by several services is one command
    for (const auto& c : template_.commands) names.insert(c.name);
    const nlohmann::json commands = names;
    run_.log.write("template", {{"timeline", index_}, {"template", template_.name}, {"commands", commands}});

    env::Environment environment(project_, this);
    environment_ = &environment;
    SdkTailGuard tail(*this);
    nlohmann::json outcome = {{"index", index_}, {"seed", std::to_string(seed_)}};
    std::string failure;
    try {
      environment.attach(env::local::make_local_backend(
          project_, [&environment](const std::string& s, int status) { environment.on_exit(s, status); }));
      environment.up(setup_timeout);
      std::unique_lock lock(mutex_);
      setup_.wait_for(lock, setup_timeout, [&] { return setup_complete_ || run_.interrupted; });
      if (!setup_complete_ && !run_.interrupted) {
        failure = fmt::format("no process wrote setup complete (antithesis_setup) within {} s", setup_timeout.count() / 1000);
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (failure.empty() && !run_.interrupted) {
      composer::SchedulerOptions options = base_options;
      options.driver_phase = driver_phase;
      composer::Scheduler scheduler(template_, derive_seed(seed_, 7), options, *this, run_.cancel_fd);
      const composer::TimelineSummary summary = scheduler.run();
      outcome["ending"] = summary.ending;
      outcome["commands"] = summary.started.size();
      outcome["outcome"] = summary.cancelled ? "interrupted" : "completed";
    } else {
      outcome["outcome"] = run_.interrupted ? "interrupted" : "setup failed";
    }
    environment.down(Duration(5000));
    tail.stop();
    environment_ = nullptr;
    if (history_check_ && failure.empty()) {
      nlohmann::json checked = check_timeline_history(dir_ / "sdk", dir_ / "history.jsonl", *history_check_);
      checked["timeline"] = index_;
      run_.log.write("history_checked", checked);
      outcome["history"] = checked.value("verdict", "");
    }
    run_.log.write("timeline_finished", {{"timeline", index_}, {"outcome", outcome["outcome"]},
                                          {"ending", outcome.value("ending", "none")}});
    if (!failure.empty()) throw UsageError(failure + last_logs());
    return outcome;
  }

  // --- CommandHost ---
  std::pair<int, int> launch(const composer::TemplateCommand& command, const std::string& service) override {
    const int id = ++invocations_;
    const std::string inside = std::string(kSdkMount) + "/commands/" + std::to_string(id);
    fs::create_directories(dir_ / "sdk" / "commands" / std::to_string(id));
    if (tail_) tail_->watch(dir_ / "sdk" / "commands" / std::to_string(id));
    env::ExecRequest request;
    request.argv = {command.path};
    request.environment = {{"ANTITHESIS_SDK_LOCAL_OUTPUT", inside + "/local.jsonl"},
                           {"ANTITHESIS_OUTPUT_DIR", inside},
                           {"ANTITHESIS_STOP_FAULTS", std::string(kSdkMount) + "/bin/stop-faults"},
                           {"FAULTLINE_SEED", std::to_string(derive_seed(seed_, static_cast<uint64_t>(id)))}};
    {
      std::lock_guard lock(mutex_);
      invocations_info_[id] = {command.name, service};
    }
    run_.log.write("command_started", {{"timeline", index_}, {"invocation", id}, {"command", command.name},
                                       {"kind", composer::prefix_of(command.kind)}, {"service", service},
                                       {"path", command.path}});
    try {
      Invocation invocation;
      invocation.command = command.name;
      invocation.service = service;
      invocation.started = Clock::now();
      invocation.process = environment_->exec_logged(service, request, "cmd-" + std::to_string(id) + "-" + command.name);
      const int fd = invocation.process->exit_fd();
      running_[id] = std::move(invocation);
      run_.running++;
      return {id, fd};
    } catch (const std::exception& e) {
      run_.log.write("command_finished", {{"timeline", index_}, {"invocation", id}, {"command", command.name},
                                          {"service", service}, {"status", 127}, {"error", e.what()},
                                          {"duration_ms", 0}, {"timed_out", false}, {"killed_by_composer", false}});
      run_.done++;
      throw;
    }
  }

  void reap(int id) override {
    auto it = running_.find(id);
    if (it == running_.end()) return;
    Invocation& inv = it->second;
    const int status = inv.process->wait_for(Duration(5000)).value_or(-1);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - inv.started).count();
    run_.log.write("command_finished", {{"timeline", index_}, {"invocation", id}, {"command", inv.command},
                                        {"service", inv.service}, {"status", status}, {"duration_ms", ms},
                                        {"timed_out", inv.kill_reason == composer::KillReason::timeout && inv.killed},
                                        {"killed_by_composer", inv.kill_reason == composer::KillReason::composer && inv.killed}});
    running_.erase(it);
    run_.running--;
    run_.done++;
  }

  void kill(int id, composer::KillReason reason) override {
    auto it = running_.find(id);
    if (it == running_.end()) return;
    it->second.killed = true;
    it->second.kill_reason = reason;
    it->second.process->kill();
  }

  // --- EnvironmentObserver ---
  void on_output(const std::string& source, const char* stream, const std::string& line) override {
    std::lock_guard lock(logs_mutex_);
    std::ofstream& file = log_files_[source];
    if (!file.is_open()) file.open(logs_ / (source + ".log"), std::ios::app);
    file << fmt::format("{:.3f} {} {}\n", run_.log.now_ms() / 1000.0, stream, line);
    file.flush();
    auto& tail = tails_[source];
    tail.push_back(line);
    if (tail.size() > kLogTail) tail.pop_front();
  }

  void on_state(const std::string& service, env::ServiceState state, const std::string& detail) override {
    run_.log.write("service", {{"timeline", index_}, {"service", service}, {"state", env::to_string(state)}, {"detail", detail}});
  }

 private:
  struct Invocation {
    std::string command, service;
    Clock::time_point started;
    std::unique_ptr<env::RunningProcess> process;
    bool killed = false;
    composer::KillReason kill_reason = composer::KillReason::composer;
  };

  // Starts following the timeline's SDK files, stops at the end of scope.
  class SdkTailGuard {
   public:
    explicit SdkTailGuard(Timeline& t) : timeline_(t) {
      timeline_.tail_ = std::make_unique<SdkTail>(t.dir_ / "sdk", [&t](const std::string& file, const std::string& line) {
        t.on_sdk_line(file, line);
      });
    }
    ~SdkTailGuard() { stop(); }
    void stop() {
      if (timeline_.tail_) timeline_.tail_->stop();
    }

   private:
    Timeline& timeline_;
  };

  void on_sdk_line(const std::string& file, const std::string& text) {
    nlohmann::json fields = {{"timeline", index_}, {"file", file}};
    // Where it came from: services/<name>/... or commands/<invocation>/...
    const size_t slash = file.find('/');
    const std::string kind = file.substr(0, slash);
    const std::string rest = slash == std::string::npos ? "" : file.substr(slash + 1);
    const std::string owner = rest.substr(0, rest.find('/'));
    if (kind == "services") {
      fields["service"] = owner;
    } else if (kind == "commands") {
      const int id = std::atoi(owner.c_str());
      std::lock_guard lock(mutex_);
      fields["invocation"] = id;
      fields["command"] = invocations_info_[id].first;
      fields["service"] = invocations_info_[id].second;
    }
    nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_discarded() || !line.is_object()) {
      fields["text"] = text.substr(0, 4096);
      run_.log.write("sdk_invalid", fields);
      return;
    }
    if (line.contains("faultline_stop_faults")) {
      fields["seconds"] = line["faultline_stop_faults"].value("seconds", 0);
      run_.log.write("stop_faults", fields);
      return;
    }
    fields["line"] = line;
    run_.log.write("sdk", fields);
    if (line.contains("antithesis_setup")) {
      std::lock_guard lock(mutex_);
      if (!setup_complete_) {
        setup_complete_ = true;
        nlohmann::json event = fields;
        event.erase("line");
        event.erase("file");
        event["details"] = line["antithesis_setup"].value("details", nlohmann::json());
        run_.log.write("setup_complete", event);
        setup_.notify_all();
      }
    }
  }

  std::string last_logs() {
    std::lock_guard lock(logs_mutex_);
    std::string text;
    for (const auto& [source, lines] : tails_) {
      if (source.rfind("cmd-", 0) == 0) continue;
      text += fmt::format("\n--- last lines of {} ---", source);
      for (const std::string& line : lines) text += "\n" + line;
    }
    return text;
  }

  RunContext& run_;
  const composer::TestTemplate& template_;
  int index_;
  uint64_t seed_;
  std::optional<HistoryCheck> history_check_;
  fs::path dir_, logs_;
  env::Project project_;
  env::Environment* environment_ = nullptr;
  std::unique_ptr<SdkTail> tail_;
  std::mutex mutex_;
  std::condition_variable setup_;
  bool setup_complete_ = false;
  int invocations_ = 0;
  std::map<int, std::pair<std::string, std::string>> invocations_info_;
  std::map<int, Invocation> running_;
  std::mutex logs_mutex_;
  std::map<std::string, std::ofstream> log_files_;
  std::map<std::string, std::deque<std::string>> tails_;
};

const composer::TestTemplate& choose_template(const std::vector<composer::TestTemplate>& templates, const std::string& name) {
  if (templates.empty()) {
    throw UsageError(fmt::format("no test template: no service has a folder {}/<template>/", composer::kTemplateRoot));
  }
  std::string names;
  for (const auto& t : templates) names += (names.empty() ? "" : ", ") + t.name;
  if (name.empty() && templates.size() > 1) throw UsageError("several templates (" + names + "): choose one with --template");
  for (const auto& t : templates) {
    if (name.empty() || t.name == name) {
      if (!t.problems.empty()) {
        std::string text = "template " + t.name + " has problems:";
        for (const auto& p : t.problems) text += "\n  " + p.path + ": " + p.message;
        throw UsageError(text);
      }
      return t;
    }
  }
  throw UsageError("no template named \"" + name + "\" (there are: " + names + ")");
}

void print_summary(const std::vector<report::Property>& properties, const fs::path& out, int status) {
  size_t width = 8;
  for (const auto& p : properties) width = std::max(width, std::min<size_t>(p.id.size(), 70));
  fmt::print("\n{:<6} {:<20} {:<{}} {:>8} {:>8}\n", "STATUS", "TYPE", "PROPERTY", width, "PASSES", "FAILS");
  for (const auto& p : properties) {
    fmt::print("{:<6} {:<20} {:<{}} {:>8} {:>8}\n", p.passed() ? "pass" : "FAIL", p.display_type + (p.builtin ? "*" : ""),
               p.id.size() > 70 ? p.id.substr(0, 67) + "..." : p.id, width, p.passes, p.fails);
  }
  int failing = 0;
  for (const auto& p : properties) failing += p.passed() ? 0 : 1;
  fmt::print("\n{} properties, {} failing (* built into faultline)\nrun directory: {}\n", properties.size(), failing,
             out.string());
  const char* meaning = status == kExitPassed        ? "every property passes"
                        : status == kExitFailed      ? "a property fails"
                        : status == kExitInterrupted ? "interrupted"
                                                     : "setup or configuration error";
  fmt::print("exit status {}: {}\n", status, meaning);
}

// Prints a live status line (TTY) or a plain line every few seconds, until stopped.
class StatusPrinter {
 public:
  StatusPrinter(RunContext& run, double total_seconds, bool quiet) : run_(run), total_(total_seconds) {
    if (quiet) return;
    tty_ = isatty(STDERR_FILENO);
    thread_ = std::thread([this] { loop(); });
  }
  ~StatusPrinter() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (tty_) fmt::print(stderr, "\r\033[K");
  }

 private:
  void loop() {
    const auto start = Clock::now();
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, tty_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000), [&] { return stopping_; })) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const std::string line = fmt::format("[{} / {}] timeline {} | {} running, {} done | {} failing", clock_text(elapsed),
                                           clock_text(total_), run_.timeline.load(), run_.running.load(),
                                           run_.done.load(), run_.failing());
      if (tty_) {
        fmt::print(stderr, "\r\033[K{}", line);
      } else {
        fmt::print(stderr, "{}\n", line);
      }
      std::fflush(stderr);
    }
  }
  RunContext& run_;
  double total_;
  bool tty_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

int run_command(const RunOptions& options) {
  // What to run.
  std::vector<fs::path> files;
  if (options.files.empty()) {
    files = env::find_compose_files(options.directory);
  } else {
    for (const auto& f : options.files) {
      if (!fs::exists(f)) throw env::ConfigError({f, 0, 0}, "", "no such file");
      files.emplace_back(f);
    }
  }
  const env::Project project = env::load_project(files, env::process_environment());
  for (const auto& w : project.warnings) fmt::print(stderr, "warning: {}\n", w);
  const auto templates = composer::find_templates(project);
  const std::optional<HistoryCheck> history_check = history_check_of(project);

  Duration duration = env::parse_duration(options.duration, {}, "--duration");
  Duration timeline_length = env::parse_duration(options.timeline, {}, "--timeline");
  const Duration command_timeout = env::parse_duration(options.command_timeout, {}, "--command-timeout");
  const Duration setup_timeout = env::parse_duration(options.setup_timeout, {}, "--setup-timeout");
  if (options.max_parallel < 1) throw UsageError("--max-parallel must be at least 1");

  uint64_t seed = 0;
  std::string template_name = options.template_name;
  std::optional<uint64_t> replay_seed;
  int replay_index = 0;
  if (!options.replay.empty()) {
    const size_t colon = options.replay.rfind(':');
    if (colon == std::string::npos) throw UsageError("--replay-timeline takes RUN_DIR:N");
    const fs::path run_dir = options.replay.substr(0, colon);
    replay_index = std::atoi(options.replay.c_str() + colon + 1);
    std::ifstream in(run_dir / "run.json");
    const nlohmann::json previous = nlohmann::json::parse(in, nullptr, false);
    if (previous.is_discarded()) throw UsageError("cannot read " + (run_dir / "run.json").string());
    for (const auto& t : previous.value("timelines", nlohmann::json::array())) {
      if (t.value("index", 0) == replay_index) replay_seed = std::stoull(t.value("seed", "0"));
    }
    if (!replay_seed) throw UsageError(fmt::format("{} has no timeline {}", run_dir.string(), replay_index));
    if (template_name.empty()) template_name = previous.value("template", "");
    seed = std::stoull(previous.value("seed", "0"));
    timeline_length = env::parse_duration(previous.value("timeline_length", options.timeline), {}, "timeline_length");
    duration = timeline_length;
  } else if (options.seed) {
    seed = *options.seed;
  } else {
    while (getrandom(&seed, sizeof seed, 0) != sizeof seed) {
    }
  }
  const composer::TestTemplate& tpl = choose_template(templates, template_name);

  const fs::path out = options.out.empty() ? fs::path("runs") / (utc_now("%Y%m%d-%H%M%S") + "-" + std::to_string(seed))
                                           : fs::path(options.out);
  fs::create_directories(out / "logs");
  fs::create_directories(out / "timelines");
  if (!options.quiet) fmt::print(stderr, "faultline: running template {} with seed {} into {}\n", tpl.name, seed, out.string());

  RunContext run(out);
  nlohmann::json info = {{"faultline_version", FAULTLINE_VERSION},
                         {"arguments", options.arguments},
                         {"seed", std::to_string(seed)},
                         {"template", tpl.name},
                         {"project", project.name},
                         {"duration", options.duration},
                         {"timeline_length", options.timeline},
                         {"started", utc_now("%Y-%m-%dT%H:%M:%SZ")},
                         {"timelines", nlohmann::json::array()}};
  if (replay_seed) info["replay_of"] = options.replay;
  const auto write_run_json = [&] { std::ofstream(out / "run.json") << info.dump(2) << "\n"; };
  write_run_json();
  run.log.write("run_started", {{"seed", std::to_string(seed)}, {"template", tpl.name}, {"project", project.name}});

  // Ctrl-C and SIGTERM: stop the timeline, tear down, write the report, exit 130.
  const sigset_t signals = termination_signals();
  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    while (!finished) {
      timespec tick{0, 200 * 1000 * 1000};
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        run.cancel();
        fmt::print(stderr, "\nfaultline: interrupted; tearing down\n");
        return;
      }
    }
  });

  int status = kExitPassed;
  std::string error;
  {
    StatusPrinter printer(run, std::chrono::duration<double>(duration).count(), options.quiet);
    composer::SchedulerOptions scheduler_options;
    scheduler_options.max_parallel = options.max_parallel;
    scheduler_options.command_timeout = command_timeout;
    const auto run_end = Clock::now() + duration;
    for (int index = replay_seed ? replay_index : 1;; ++index) {
      const auto left = std::chrono::duration_cast<Duration>(run_end - Clock::now());
      if (run.interrupted || (index > (replay_seed ? replay_index : 1) && left.count() <= 0)) break;
      const uint64_t timeline_seed = replay_seed ? *replay_seed : derive_seed(seed, static_cast<uint64_t>(index));
      Timeline timeline(run, project, tpl, index, timeline_seed, out, history_check);
      try {
        nlohmann::json outcome = timeline.run(std::max(std::min(timeline_length, left), Duration(1000)), scheduler_options, setup_timeout);
        info["timelines"].push_back(outcome);
      } catch (const UsageError& e) {
        info["timelines"].push_back({{"index", index}, {"seed", std::to_string(timeline_seed)}, {"outcome", "setup failed"}});
        error = e.what();
        status = kExitUsage;
        break;
      }
      write_run_json();
      if (replay_seed) break;
    }
    printer.stop();
  }
  finished = true;
  signal_thread.join();

  const std::vector<report::Property> properties = [&] {
    std::lock_guard lock(run.evaluation_mutex);
    return run.evaluator.properties();
  }();
  if (status == kExitPassed) {
    for (const auto& p : properties) {
      if (!p.passed()) status = kExitFailed;
    }
  }
  if (run.interrupted) status = kExitInterrupted;
  run.log.write("run_finished", {{"exit_status", status}});
  info["ended"] = utc_now("%Y-%m-%dT%H:%M:%SZ");
  info["exit_status"] = status;
  write_run_json();
  std::ofstream(out / "report.json") << report::report_json(properties, info).dump(2) << "\n";
  if (!error.empty()) fmt::print(stderr, "faultline: {}\n", error);
  print_summary(properties, out, status);
  return status;
}

int report_command(const std::string& run_directory) {
  const fs::path dir(run_directory);
  std::ifstream in(dir / "run.json");
  nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded()) info = nlohmann::json::object();
  const std::vector<report::Property> properties = report::evaluate_run(run_directory);
  std::ofstream(dir / "report.json") << report::report_json(properties, info).dump(2) << "\n";
  int status = kExitPassed;
  for (const auto& p : properties) {
    if (!p.passed()) status = kExitFailed;
  }
  print_summary(properties, dir, status);
  return status;
}

}  // namespace faultline::cli
