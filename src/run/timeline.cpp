#include "timeline.h"

#include <fmt/core.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "env/backends.h"
#include "run/sdk_lines.h"
#include "run/seeds.h"
#include "run/service_logs.h"

namespace faultline::run {

namespace {
using Clock = std::chrono::steady_clock;
// How long the environment's services get to stop before they are killed.
constexpr Duration kStopGrace{5000};
}  // namespace

Timeline::Timeline(const env::Project& project, const composer::TestTemplate& tpl,
                   const std::optional<HistoryCheck>& history, const events::RunDirectory& directory,
                   events::EventLog& log, const Cancellation& cancellation, TimelinePlan plan)
    : template_(tpl),
      history_(history),
      directory_(directory),
      log_(log),
      cancellation_(cancellation),
      plan_(plan),
      sdk_folder_(directory.sdk(plan.index), plan.seed),
      project_(project),
      logs_(std::make_unique<ServiceLogs>(directory.logs(plan.index), log)),
      setup_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (setup_fd_ < 0) throw std::runtime_error("eventfd failed");
  sdk_folder_.add_to(project_);
  listeners_.push_back(this);
}

Timeline::~Timeline() { close(setup_fd_); }

void Timeline::add_phase_listener(composer::PhaseListener* listener) { listeners_.push_back(listener); }

double Timeline::ms_since(Clock::time_point from) const {
  return std::chrono::duration<double, std::milli>(Clock::now() - from).count();
}

std::string Timeline::set_up(env::Environment& environment) {
  const auto deadline = Clock::now() + plan_.setup_timeout;
  try {
    env::attach_backend(environment, plan_.backend);
    environment.up(plan_.setup_timeout);
  } catch (const std::exception& e) {
    return e.what();
  }
  for (;;) {
    if (cancellation_.cancelled()) return "";
    pollfd fds[2] = {{setup_fd_, POLLIN, 0}, {cancellation_.fd(), POLLIN, 0}};
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    if (left <= 0) break;
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 60000))) > 0 && (fds[0].revents & POLLIN)) return "";
  }
  return fmt::format("no process wrote setup complete (antithesis_setup) within {} s", plan_.setup_timeout.count() / 1000);
}

TimelineResult Timeline::run() {
  const auto started = Clock::now();
  TimelineResult result;
  result.index = plan_.index;
  result.seed = plan_.seed;
  log_.write(events::TimelineStarted{plan_.index, std::to_string(plan_.seed)});
  std::set<std::string> names;  // a command held by several services is one command
  for (const auto& c : template_.commands) names.insert(c.name);
  log_.write(events::TemplateListed{plan_.index, template_.name, {names.begin(), names.end()}});

  std::string failure;
  {
    env::Environment environment(project_, this);
    SdkLines sdk_lines(sdk_folder_.root(), plan_.index, log_, [this] {
      const uint64_t one = 1;
      const ssize_t ignored = write(setup_fd_, &one, sizeof one);
      (void)ignored;
    });
    environment_ = &environment;
    sdk_lines_ = &sdk_lines;
    // The injector exists from the start, so that a stop-faults request made during setup holds
    // for the driver phase too; it injects nothing before the driver phase.
    std::unique_ptr<faults::Injector> injector;
    if (plan_.faults && !plan_.faults->config.kinds.empty()) {
      std::vector<std::string> services;
      for (const auto& [name, spec] : project_.services) services.push_back(name);
      faults::FaultPlanner planner(derive_seed(plan_.seed, SeedStream::faults), plan_.faults->config,
                                   plan_.faults->targets, services, plan_.faults->custom);
      injector = std::make_unique<faults::Injector>(environment, std::move(planner), *this, plan_.faults->unavailable);
      injector_ = injector.get();
    }
    events::EventLog::Subscription stop_requests = log_.subscribe([this](const events::Json& e) {
      if (injector_ == nullptr || events::type_of(e) != events::StopFaults::kType) return;
      const auto request = events::read<events::StopFaults>(e);
      if (request.timeline != plan_.index) return;
      constexpr int64_t kLongestQuiet = 24 * 3600;
      injector_->stop_faults(Duration(std::clamp<int64_t>(request.seconds, 0, kLongestQuiet) * 1000));
    });
    failure = set_up(environment);
    result.time.setup = ms_since(started);
    if (failure.empty() && injector && plan_.faults->config.kinds.count(faults::FaultKind::clock)) {
      result.notes = aim_clock_faults(environment, *injector);
    }
    if (failure.empty() && !cancellation_.cancelled()) {
      composer::SchedulerOptions options;
      options.max_parallel = plan_.max_parallel;
      options.command_timeout = plan_.command_timeout;
      options.drivers_until = std::max(plan_.deadline - plan_.ending_reserve, Clock::now() + kMinimumDriverPhase);
      options.listeners = listeners_;
      options.explored = plan_.explored;
      composer::Scheduler scheduler(template_, derive_seed(plan_.seed, SeedStream::scheduler), options, *this,
                                    cancellation_.fd());
      const composer::TimelineSummary summary = scheduler.run();
      result.ending = summary.ending;
      result.commands = summary.started.size();
      result.outcome = summary.cancelled ? "interrupted" : "completed";
    } else {
      result.ending = "none";
      result.outcome = cancellation_.cancelled() ? "interrupted" : "setup failed";
      entered_[composer::Phase::done] = Clock::now();
    }
    // Everything a fault did is undone before teardown (the scheduler's last phase healed it). No
    // request reaches the injector once it is gone: the subscription ends first.
    stop_requests = events::EventLog::Subscription();
    injector_ = nullptr;
    injector.reset();
    environment.down(kStopGrace);
    sdk_lines.stop();
    environment_ = nullptr;
    sdk_lines_ = nullptr;
  }
  if (history_ && failure.empty()) {
    events::HistoryChecked checked =
        check_timeline_history(sdk_folder_.root(), directory_.merged_history(plan_.index), *history_);
    checked.timeline = plan_.index;
    log_.write(checked);
    result.history = checked.verdict;
  }
  // The phases' boundaries, as the scheduler entered them; a phase it never entered took no time.
  const auto at = [&](composer::Phase phase, Clock::time_point otherwise) {
    const auto it = entered_.find(phase);
    return it == entered_.end() ? otherwise : it->second;
  };
  const auto done = at(composer::Phase::done, Clock::now());
  const auto ending = at(composer::Phase::ending, done);
  const auto drivers = at(composer::Phase::drivers, ending);
  const auto first = at(composer::Phase::first, drivers);
  const auto ms = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  if (entered_.count(composer::Phase::first)) {
    result.time.first = ms(first, drivers);
    result.time.drivers = ms(drivers, ending);
    result.time.ending = ms(ending, done);
  }
  result.time.teardown = ms_since(done);
  log_.write(events::TimelineFinished{plan_.index, result.outcome, result.ending});
  if (!failure.empty()) throw SetupFailed(failure + logs_->last_service_lines());
  return result;
}

std::vector<std::string> Timeline::aim_clock_faults(env::Environment& environment, faults::Injector& injector) const {
  std::set<std::string> reached;
  std::vector<std::string> notes;
  for (const std::string& target : plan_.faults->targets) {
    const std::string why_not = environment.clock_unreachable(target);
    if (why_not.empty()) {
      reached.insert(target);
    } else {
      notes.push_back("clock faults cannot reach " + target + ": " + why_not);
    }
  }
  std::string names;
  for (const std::string& name : reached) names += (names.empty() ? "" : ", ") + name;
  notes.insert(notes.begin(), "clock faults reach " + (names.empty() ? std::string("no service") : names));
  injector.set_clock_targets(std::move(reached));
  return notes;
}

void Timeline::on_phase(composer::Phase phase, std::string_view ending) {
  entered_[phase] = Clock::now();
  log_.write(events::PhaseEntered{plan_.index, composer::to_string(phase), std::string(ending)});
  if (injector_ == nullptr) return;
  // Faults belong to the driver phase: everything is healed before eventually_ or finally_.
  if (phase == composer::Phase::drivers) injector_->start();
  if (phase == composer::Phase::ending || phase == composer::Phase::done) injector_->heal(!cancellation_.cancelled());
}

void Timeline::on_fault_started(int id, const faults::Fault& fault) {
  events::FaultStarted e;
  e.timeline = plan_.index;
  e.fault = id;
  e.name = faults::to_string(fault.kind);
  e.type = faults::type_of(fault.kind);
  e.affected_nodes = fault.nodes;
  e.max_duration_ms = static_cast<double>(fault.duration.count());
  e.details = fault.details();
  e.details["description"] = fault.describe();
  log_.write(e);
}

void Timeline::on_fault_ended(int id, const faults::Fault& fault, Duration lasted, const std::string& reason,
                              const std::string& error) {
  events::FaultEnded e;
  e.timeline = plan_.index;
  e.fault = id;
  e.name = faults::to_string(fault.kind);
  e.duration_ms = static_cast<double>(lasted.count());
  e.reason = reason;
  e.error = error;
  log_.write(e);
}

void Timeline::on_fault_unavailable(faults::FaultKind kind, const std::string& reason) {
  log_.write(events::FaultUnavailable{plan_.index, faults::to_string(kind), reason});
}

void Timeline::on_fault_failed(const faults::Fault& fault, const std::string& reason) {
  log_.write(events::FaultFailed{plan_.index, faults::to_string(fault.kind), fault.nodes, reason});
}

std::pair<int, int> Timeline::launch(const composer::TemplateCommand& command, const std::string& service) {
  const int id = ++invocations_;
  env::ExecRequest request;
  request.argv = {command.path};
  request.environment = sdk_folder_.prepare_invocation(id);
  sdk_lines_->add_invocation(id, command.name, service, sdk_folder_.invocation_dir(id));
  log_.write(events::CommandStarted{plan_.index, id, command.name, composer::prefix_of(command.kind), service, command.path});
  try {
    Invocation invocation;
    invocation.command = command.name;
    invocation.service = service;
    invocation.started = Clock::now();
    invocation.process =
        environment_->exec_logged(service, request, events::RunDirectory::command_log_source(id, command.name));
    const int fd = invocation.process->exit_fd();
    running_[id] = std::move(invocation);
    return {id, fd};
  } catch (const std::exception& e) {
    events::CommandFinished finished;
    finished.timeline = plan_.index;
    finished.invocation = id;
    finished.command = command.name;
    finished.service = service;
    finished.status = 127;
    finished.error = e.what();
    log_.write(finished);
    throw;
  }
}

void Timeline::reap(int id) {
  const auto it = running_.find(id);
  if (it == running_.end()) return;
  Invocation& inv = it->second;
  events::CommandFinished finished;
  finished.timeline = plan_.index;
  finished.invocation = id;
  finished.command = inv.command;
  finished.service = inv.service;
  finished.status = inv.process->wait_for(kStopGrace).value_or(-1);
  finished.duration_ms = ms_since(inv.started);
  finished.timed_out = inv.killed && inv.kill_reason == composer::KillReason::timeout;
  finished.killed_by_composer = inv.killed && inv.kill_reason == composer::KillReason::composer;
  log_.write(finished);
  running_.erase(it);
}

void Timeline::kill(int id, composer::KillReason reason) {
  const auto it = running_.find(id);
  if (it == running_.end()) return;
  it->second.killed = true;
  it->second.kill_reason = reason;
  it->second.process->kill();
}

void Timeline::on_output(const std::string& source, const char* stream, const std::string& line) {
  logs_->write(source, stream, line);
}

void Timeline::on_state(const std::string& service, env::ServiceState state, const std::string& detail) {
  log_.write(events::ServiceChanged{plan_.index, service, env::to_string(state), detail});
}

}  // namespace faultline::run
