#include "run.h"

#include <fmt/core.h>
#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>

#include "events/event_log.h"
#include "events/run_directory.h"
#include "faultline/version.h"
#include "report/properties.h"
#include "report/html_page.h"
#include "report/report.h"
#include "env/docker/docker_backend.h"
#include "run/exit_status.h"
#include "run/seeds.h"
#include "run/timeline.h"

namespace faultline::run {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string utc_now(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

uint64_t fresh_seed() {
  uint64_t seed = 0;
  while (getrandom(&seed, sizeof seed, 0) != sizeof seed) {
  }
  return seed;
}

const composer::TestTemplate& choose_template(const std::vector<composer::TestTemplate>& templates,
                                              const std::string& name) {
  if (templates.empty()) {
    throw RunError(fmt::format("no test template: no service has a folder {}/<template>/", composer::kTemplateRoot));
  }
  std::string names;
  for (const auto& t : templates) names += (names.empty() ? "" : ", ") + t.name;
  if (name.empty() && templates.size() > 1) throw RunError("several templates (" + names + "): choose one with --template");
  for (const auto& t : templates) {
    if (!name.empty() && t.name != name) continue;
    if (!t.problems.empty()) {
      std::string text = "template " + t.name + " has problems:";
      for (const auto& p : t.problems) text += "\n  " + p.path + ": " + p.message;
      throw RunError(text);
    }
    return t;
  }
  throw RunError("no template named \"" + name + "\" (there are: " + names + ")");
}

nlohmann::json to_json(const composer::Explored& explored) {
  return {{"commands", explored.commands}, {"endings", explored.endings}};
}

composer::Explored explored_of(const nlohmann::json& j) {
  composer::Explored explored;
  explored.commands = events::field<std::set<std::string>>(j, "commands");
  explored.endings = events::field<std::set<std::string>>(j, "endings");
  return explored;
}

nlohmann::json to_json(const TimelineResult& t, const composer::Explored& explored_before) {
  nlohmann::json j = {{"index", t.index},
                      {"seed", std::to_string(t.seed)},
                      {"outcome", t.outcome},
                      {"ending", t.ending},
                      {"commands", t.commands},
                      {"time_ms",
                       {{"setup", t.time.setup},
                        {"first", t.time.first},
                        {"drivers", t.time.drivers},
                        {"ending", t.time.ending},
                        {"teardown", t.time.teardown},
                        {"total", t.time.total()}}},
                      {"explored_before", to_json(explored_before)}};
  if (!t.history.empty()) j["history"] = t.history;
  return j;
}

nlohmann::json fault_setup_json(const FaultSetup& setup) {
  std::vector<std::string> kinds;
  for (faults::FaultKind kind : setup.config.kinds) kinds.push_back(faults::to_string(kind));
  return {{"kinds", kinds},
          {"rate_per_minute", setup.config.rate_per_minute},
          {"min_duration_ms", setup.config.min_duration.count()},
          {"max_duration_ms", setup.config.max_duration.count()},
          {"targets", setup.targets}};
}

void apply_recorded_faults(const nlohmann::json& recorded, faults::FaultConfig& config) {
  config.kinds.clear();
  for (const std::string& name : events::field<std::vector<std::string>>(recorded, "kinds")) {
    if (const auto kind = faults::fault_kind(name)) config.kinds.insert(*kind);
  }
  config.rate_per_minute = events::field<double>(recorded, "rate_per_minute", config.rate_per_minute);
  config.min_duration = Duration(events::field<int64_t>(recorded, "min_duration_ms", config.min_duration.count()));
  config.max_duration = Duration(events::field<int64_t>(recorded, "max_duration_ms", config.max_duration.count()));
}

// What an earlier run recorded of one of its timelines, for --replay-timeline.
struct ReplayedTimeline {
  uint64_t run_seed = 0, seed = 0;
  std::string template_name;
  Duration length{0};
  composer::Explored explored;
  nlohmann::json faults;  // the run's fault setup, as recorded
};

ReplayedTimeline read_replay(const ReplayTarget& target) {
  const fs::path path = events::RunDirectory(target.run_directory).run_json();
  const nlohmann::json previous = events::read_json_object(path);
  if (previous.is_null()) throw RunError("cannot read " + path.string());
  for (const nlohmann::json& t : events::field<nlohmann::json>(previous, "timelines")) {
    if (events::field<int>(t, "index") != target.timeline) continue;
    ReplayedTimeline replay;
    try {
      replay.run_seed = std::stoull(events::field<std::string>(previous, "seed", "0"));
      replay.seed = std::stoull(events::field<std::string>(t, "seed", "0"));
    } catch (const std::exception&) {
      throw RunError(path.string() + ": a seed is not a number");
    }
    replay.template_name = events::field<std::string>(previous, "template");
    replay.length = Duration(events::field<int64_t>(previous, "timeline_length_ms", 60000));
    replay.explored = explored_of(events::field<nlohmann::json>(t, "explored_before"));
    replay.faults = events::field<nlohmann::json>(previous, "faults");
    return replay;
  }
  throw RunError(fmt::format("{} has no timeline {}", target.run_directory.string(), target.timeline));
}

}  // namespace

// Follows the event log for the live status: the properties as they stand and the commands' counts.
class Run::Tracker {
 public:
  explicit Tracker(double total_seconds) : total_seconds_(total_seconds) {}

  void add(const nlohmann::json& event) {
    std::lock_guard lock(mutex_);
    evaluator_.add(event);
    const std::string type = events::type_of(event);
    if (type == events::TimelineStarted::kType) {
      progress_.timeline = events::field<int>(event, "timeline");
    } else if (type == events::CommandStarted::kType) {
      ++progress_.running;
    } else if (type == events::CommandFinished::kType) {
      // A command that could not start was never counted as running.
      if (events::field<std::string>(event, "error").empty()) --progress_.running;
      ++progress_.done;
    } else if (type == events::FaultStarted::kType) {
      const auto fault = events::read<events::FaultStarted>(event);
      active_faults_[{fault.timeline, fault.fault}] = fault.name;
      ++faults_[fault.name];
    } else if (type == events::FaultEnded::kType) {
      active_faults_.erase({events::field<int>(event, "timeline"), events::field<int>(event, "fault")});
    } else if (type == events::FaultUnavailable::kType) {
      unavailable_.try_emplace(events::field<std::string>(event, "name"), events::field<std::string>(event, "reason"));
    }
  }

  // Faults started by kind, and the kinds found unavailable.
  std::map<std::string, int> faults() const {
    std::lock_guard lock(mutex_);
    return faults_;
  }
  std::map<std::string, std::string> unavailable() const {
    std::lock_guard lock(mutex_);
    return unavailable_;
  }

  Progress progress() const {
    std::lock_guard lock(mutex_);
    Progress p = progress_;
    p.failing = evaluator_.failing();
    for (const auto& [key, name] : active_faults_) p.faults.push_back(name);
    p.elapsed_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    p.total_seconds = total_seconds_;
    return p;
  }

 private:
  const Clock::time_point started_ = Clock::now();
  const double total_seconds_;
  mutable std::mutex mutex_;
  report::PropertyEvaluator evaluator_;
  Progress progress_;
  std::map<std::pair<int, int>, std::string> active_faults_;  // (timeline, fault) -> kind
  std::map<std::string, int> faults_;
  std::map<std::string, std::string> unavailable_;
};

Run::Run(RunConfig config) : config_(std::move(config)) {
  if (config_.max_parallel < 1) throw RunError("--max-parallel must be at least 1");
  project_ = env::load_project(config_.compose_files, config_.directory, config_.project_name);
  try {
    backend_ = env::choose_backend(project_, config_.backend);
  } catch (const std::invalid_argument& e) {
    throw RunError(e.what());
  }
  env::check_project_for(project_, backend_);
  history_ = history_check_of(project_);
  std::string template_name = config_.template_name;
  nlohmann::json recorded_faults;
  if (config_.replay) {
    const ReplayedTimeline replay = read_replay(*config_.replay);
    recorded_faults = replay.faults;
    explored_ = replay.explored;
    seed_ = replay.run_seed;
    replay_seed_ = replay.seed;
    if (template_name.empty()) template_name = replay.template_name;
    config_.timeline_length = replay.length;
    config_.duration = replay.length;
  } else {
    seed_ = config_.seed ? *config_.seed : fresh_seed();
  }
  out_ = config_.out.empty() ? fs::path("runs") / (utc_now("%Y%m%d-%H%M%S") + "-" + std::to_string(seed_)) : config_.out;
  // Templates an image carries are read from a copy in the run directory (which the run binds
  // in its place, so that the services run what was read).
  if (backend_ == env::BackendKind::docker) {
    env::docker::bring_image_folders(project_, composer::kTemplateRoot, out_ / "images");
  }
  templates_ = composer::find_templates(project_);
  template_ = &choose_template(templates_, template_name);
  faults_.config = faults::fault_config_of(project_);
  // A replayed timeline injects what the run it comes from injected, unless told otherwise.
  if (recorded_faults.is_object()) apply_recorded_faults(recorded_faults, faults_.config);
  if (config_.fault_kinds) faults_.config.kinds = *config_.fault_kinds;
  if (config_.fault_rate) faults_.config.rate_per_minute = *config_.fault_rate;
  std::set<std::string> holders;
  for (const auto& c : template_->commands) holders.insert(c.service);
  for (const auto& f : template_->faults) {
    holders.insert(f.service);
    faults_.custom.push_back({f.name, f.service, f.path});
  }
  faults_.targets = faults::fault_targets(faults_.config, project_, holders);
  // A clock fault shifts a service's wall clock through libfaketime, which its processes must load
  // from their start.
  if (faults_.config.kinds.count(faults::FaultKind::clock)) {
    for (const std::string& target : faults_.targets) project_.services.at(target).clock_control = true;
  }
  tracker_ = std::make_unique<Tracker>(std::chrono::duration<double>(config_.duration).count());
}

Run::~Run() = default;

void Run::cancel() { cancellation_.cancel(); }

Progress Run::progress() const { return tracker_->progress(); }

RunResult Run::execute() {
  const events::RunDirectory directory(out_);
  fs::create_directories(directory.root() / "logs");
  fs::create_directories(directory.root() / "timelines");
  RunResult result;
  result.directory = out_;

  nlohmann::json info = {{"faultline_version", FAULTLINE_VERSION},
                         {"arguments", config_.arguments},
                         {"working_directory", fs::current_path().string()},
                         {"seed", std::to_string(seed_)},
                         {"template", template_->name},
                         {"project", project_.name},
                         {"backend", env::to_string(backend_)},
                         {"duration_ms", config_.duration.count()},
                         {"timeline_length_ms", config_.timeline_length.count()},
                         {"started", utc_now("%Y-%m-%dT%H:%M:%SZ")},
                         {"faults", fault_setup_json(faults_)},
                         {"timelines", nlohmann::json::array()}};
  if (config_.replay) {
    info["replay_of"] = fmt::format("{}:{}", config_.replay->run_directory.string(), config_.replay->timeline);
  }
  // Arguments may hold any bytes: invalid UTF-8 is replaced rather than thrown on.
  const auto write_run_json = [&] {
    std::ofstream(directory.run_json()) << info.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  };
  write_run_json();

  {
    events::EventLog log(directory.events());
    const events::EventLog::Subscription tracking = log.subscribe([this](const nlohmann::json& e) { tracker_->add(e); });
    log.write(events::RunStarted{std::to_string(seed_), template_->name, project_.name});

    composer::Explored explored = explored_;
    // The run keeps to its duration: a timeline ends by the run's end, and keeps room at its end
    // for the ending phase and teardown, as long as the longest seen so far took.
    const auto run_end = Clock::now() + config_.duration;
    Duration reserve = std::min({Duration(5000), config_.timeline_length / 5, config_.duration / 5});
    Duration longest_setup{0};
    const int first_index = config_.replay ? config_.replay->timeline : 1;
    for (int index = first_index; !cancellation_.cancelled(); ++index) {
      const auto now = Clock::now();
      if (index > first_index && run_end - now < longest_setup + reserve + kMinimumDriverPhase) break;
      TimelinePlan plan;
      plan.index = index;
      plan.seed = replay_seed_ ? *replay_seed_ : derive_seed(seed_, SeedStream::timeline, static_cast<uint64_t>(index));
      plan.deadline = std::min(now + config_.timeline_length, run_end);
      plan.ending_reserve = reserve;
      plan.setup_timeout = config_.setup_timeout;
      plan.max_parallel = config_.max_parallel;
      plan.command_timeout = config_.command_timeout;
      plan.explored = &explored;
      plan.faults = &faults_;
      plan.backend = backend_;
      const composer::Explored explored_before = explored;
      Timeline timeline(project_, *template_, history_, directory, log, cancellation_, plan);
      try {
        const TimelineResult t = timeline.run();
        info["timelines"].push_back(to_json(t, explored_before));
        result.timelines.push_back(t);
        for (const std::string& note : t.notes) {
          if (std::find(result.notes.begin(), result.notes.end(), note) == result.notes.end()) result.notes.push_back(note);
        }
        reserve = std::max(reserve, Duration(static_cast<int64_t>(t.time.ending + t.time.teardown)));
        longest_setup = std::max(longest_setup, Duration(static_cast<int64_t>(t.time.setup)));
      } catch (const SetupFailed& e) {
        TimelineResult failed;
        failed.index = index;
        failed.seed = plan.seed;
        failed.outcome = "setup failed";
        info["timelines"].push_back(to_json(failed, explored_before));
        result.timelines.push_back(failed);
        result.error = e.what();
        result.exit_status = kExitUsage;
        break;
      }
      write_run_json();
      if (config_.replay) break;
    }
    log.flush();
    if (result.exit_status == kExitPassed && tracker_->progress().failing > 0) result.exit_status = kExitFailed;
    if (cancellation_.cancelled()) result.exit_status = kExitInterrupted;
    log.write(events::RunFinished{result.exit_status});
  }
  result.faults = tracker_->faults();
  result.unavailable = tracker_->unavailable();
  info["ended"] = utc_now("%Y-%m-%dT%H:%M:%SZ");
  info["exit_status"] = result.exit_status;
  write_run_json();
  report::ReportOptions report_options;
  report_options.compare_with = config_.compare_with;
  report_options.log_window = config_.log_window;
  report::Report report = report::write_report(directory, report_options);
  result.findings = std::move(report.findings);
  // The runs page lives in the runs folder: the default one, or a folder that already has it.
  result.runs_index = report::update_runs_index(out_, config_.out.empty());
  result.properties = std::move(report.properties);
  result.invalid_sdk_lines = std::move(report.invalid_sdk_lines);
  return result;
}

}  // namespace faultline::run
