#include "scheduler.h"

#include <poll.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace faultline::composer {
namespace {

size_t below(std::mt19937_64& rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

bool is_driver(CommandKind kind) {
  return kind == CommandKind::parallel_driver || kind == CommandKind::serial_driver ||
         kind == CommandKind::singleton_driver;
}

}  // namespace

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::first: return "first";
    case Phase::drivers: return "drivers";
    case Phase::ending: return "ending";
    case Phase::done: return "done";
  }
  return "";
}

namespace {

// The scheduler's own streams, one per kind of choice, from its one seed.
std::vector<uint64_t> choice_seeds(uint64_t seed) {
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  std::vector<uint32_t> words(12);
  sequence.generate(words.begin(), words.end());
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < words.size(); i += 2) seeds.push_back(uint64_t{words[i]} << 32 | words[i + 1]);
  return seeds;
}

}  // namespace

Scheduler::Scheduler(const TestTemplate& tpl, uint64_t seed, SchedulerOptions options, CommandHost& host, int cancel_fd)
    : Scheduler(tpl, choice_seeds(seed), std::move(options), host, cancel_fd) {}

Scheduler::Scheduler(const TestTemplate& tpl, const std::vector<uint64_t>& seeds, SchedulerOptions options,
                     CommandHost& host, int cancel_fd)
    : options_(std::move(options)),
      host_(host),
      cancel_fd_(cancel_fd),
      pick_rng_(seeds[0]),
      service_rng_(seeds[1]),
      parallelism_rng_(seeds[2]),
      anytime_rng_(seeds[3]),
      anytime_service_rng_(seeds[4]),
      ending_rng_(seeds[5]) {
  std::map<std::string, Command> by_name;
  for (const TemplateCommand& c : tpl.commands) {
    Command& command = by_name[c.name];
    command.any = &c;
    command.places.push_back(&c);
  }
  for (auto& [name, command] : by_name) commands_[command.any->kind].push_back(command);
}

bool Scheduler::start(const Command& command, std::mt19937_64& service_rng) {
  if (invocations_ >= options_.max_invocations) return false;
  const TemplateCommand* place = command.places[below(service_rng, command.places.size())];
  try {
    const auto [id, exit_fd] = host_.launch(*place, place->service);
    ++invocations_;
    if (options_.explored) options_.explored->commands.insert(place->name);
    running_[id] = {place->kind, exit_fd, Clock::now() + options_.command_timeout};
    summary_.started.push_back(place->name + "@" + place->service);
    return true;
  } catch (const std::exception&) {
    return false;  // the host has recorded why
  }
}

void Scheduler::wait(Clock::time_point until) {
  std::vector<pollfd> fds{{cancel_fd_, POLLIN, 0}};
  std::vector<int> ids;
  Clock::time_point next = until;
  for (const auto& [id, r] : running_) {
    fds.push_back({r.exit_fd, POLLIN, 0});
    ids.push_back(id);
    next = std::min(next, r.deadline);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  const int rc = poll(fds.data(), fds.size(), static_cast<int>(std::clamp<int64_t>(ms, 0, 60000)));
  if (rc > 0 && (fds[0].revents & POLLIN)) summary_.cancelled = true;
  for (size_t i = 1; i < fds.size(); ++i) {
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
      host_.reap(ids[i - 1]);
      running_.erase(ids[i - 1]);
    }
  }
  const auto now = Clock::now();
  for (auto& [id, r] : running_) {
    if (r.deadline <= now) {
      host_.kill(id, KillReason::timeout);
      summary_.all_completed = false;
      r.deadline = Clock::time_point::max();  // killed once; reaped when it has ended
    }
  }
}

void Scheduler::wait_for_all() {
  while (!running_.empty() && !summary_.cancelled) wait(Clock::time_point::max());
}

void Scheduler::kill_all() {
  for (auto& [id, r] : running_) {
    host_.kill(id, KillReason::composer);
    r.deadline = Clock::time_point::max();
  }
  // Killed commands end promptly; their exits are still collected so every one is recorded.
  const auto limit = Clock::now() + std::chrono::seconds(10);
  while (!running_.empty() && Clock::now() < limit) {
    const bool was_cancelled = summary_.cancelled;
    wait(limit);
    summary_.cancelled = was_cancelled;
  }
}

size_t Scheduler::running_of(std::initializer_list<CommandKind> kinds) const {
  size_t n = 0;
  for (const auto& [id, r] : running_) {
    if (std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end()) ++n;
  }
  return n;
}

const Scheduler::Command* Scheduler::pick(std::vector<const Command*> among, std::mt19937_64& rng) {
  if (among.empty()) return nullptr;
  return among[below(rng, among.size())];
}

const Scheduler::Command* Scheduler::pick_unexplored(std::vector<const Command*> among, std::mt19937_64& rng) {
  if (options_.explored) {
    std::vector<const Command*> fresh;
    for (const Command* c : among) {
      if (!options_.explored->commands.count(c->any->name)) fresh.push_back(c);
    }
    if (!fresh.empty()) among = std::move(fresh);
  }
  return pick(std::move(among), rng);
}

void Scheduler::enter(Phase phase, std::string_view ending) {
  for (PhaseListener* listener : options_.listeners) listener->on_phase(phase, ending);
}

void Scheduler::run_alone(const Command& command, std::mt19937_64& service_rng) {
  if (start(command, service_rng)) wait_for_all();
}

TimelineSummary Scheduler::run() {
  // first_: exactly one, alone, before anything else.
  std::vector<const Command*> firsts;
  for (const Command& c : commands_[CommandKind::first]) firsts.push_back(&c);
  enter(Phase::first);
  if (const Command* first = pick_unexplored(firsts, pick_rng_)) run_alone(*first, service_rng_);
  if (!summary_.cancelled) {
    enter(Phase::drivers);
    driver_phase();
  }
  if (!summary_.cancelled) ending();
  if (summary_.cancelled) kill_all();
  if (summary_.ending.empty()) summary_.ending = "none";
  enter(Phase::done);
  return summary_;
}

void Scheduler::driver_phase() {
  const auto end = options_.drivers_until;
  std::vector<const Command*> parallel, serial, singleton, anytime;
  for (const Command& c : commands_[CommandKind::parallel_driver]) parallel.push_back(&c);
  for (const Command& c : commands_[CommandKind::serial_driver]) serial.push_back(&c);
  for (const Command& c : commands_[CommandKind::singleton_driver]) singleton.push_back(&c);
  for (const Command& c : commands_[CommandKind::anytime]) anytime.push_back(&c);

  std::vector<const Command*> drivers = parallel;
  drivers.insert(drivers.end(), serial.begin(), serial.end());
  // A singleton timeline: one singleton driver, the only driver of the timeline. Chosen when there
  // is nothing else to drive with, or when only singleton drivers are left unexplored; otherwise
  // one timeline in four (unless only the other drivers are left unexplored).
  const auto unexplored = [&](const std::vector<const Command*>& commands) {
    return options_.explored && std::any_of(commands.begin(), commands.end(), [&](const Command* c) {
             return !options_.explored->commands.count(c->any->name);
           });
  };
  const bool coin = below(pick_rng_, 4) == 0;
  bool singleton_timeline = !singleton.empty() && (drivers.empty() || coin);
  if (!singleton.empty() && !drivers.empty() && unexplored(singleton) != unexplored(drivers)) {
    singleton_timeline = unexplored(singleton);
  }

  // Anytime commands start at random moments, one at a time, beside the drivers.
  const auto next_anytime = [&] {
    const auto left = std::chrono::duration_cast<Duration>(end - Clock::now()).count();
    const auto span = std::max<int64_t>(left / 4, 1);
    return Clock::now() + Duration(static_cast<int64_t>(below(anytime_rng_, static_cast<size_t>(span))));
  };
  auto anytime_at = next_anytime();
  const auto maybe_start_anytime = [&] {
    if (anytime.empty() || Clock::now() < anytime_at || running_of({CommandKind::anytime}) > 0) return;
    start(*pick_unexplored(anytime, anytime_rng_), anytime_service_rng_);
    anytime_at = next_anytime();
  };

  bool singleton_done = false;
  size_t parallelism = 1 + below(parallelism_rng_, static_cast<size_t>(std::max(options_.max_parallel, 1)));
  const Command* next = nullptr;
  while (!summary_.cancelled && Clock::now() < end && invocations_ < options_.max_invocations) {
    maybe_start_anytime();
    if (singleton_timeline) {
      if (!singleton_done) {
        singleton_done = start(*pick_unexplored(singleton, pick_rng_), service_rng_) || true;
      }
      if (running_of({CommandKind::singleton_driver}) == 0) break;  // its one run is over
      wait(std::min(end, anytime.empty() ? end : anytime_at));
      continue;
    }
    if (drivers.empty()) {
      wait(std::min(end, anytime_at));
      continue;
    }
    if (next == nullptr) next = pick_unexplored(drivers, pick_rng_);
    if (next->any->kind == CommandKind::serial_driver) {
      // A serial driver runs with no other driver: let the running ones finish first.
      if (running_of({CommandKind::parallel_driver, CommandKind::serial_driver}) > 0) {
        wait(std::min(end, anytime_at));
        continue;
      }
      start(*next, service_rng_);
      next = nullptr;
      while (!summary_.cancelled && running_of({CommandKind::serial_driver}) > 0) {
        maybe_start_anytime();
        wait(anytime.empty() ? Clock::time_point::max() : anytime_at);
      }
      parallelism = 1 + below(parallelism_rng_, static_cast<size_t>(std::max(options_.max_parallel, 1)));
      continue;
    }
    if (running_of({CommandKind::parallel_driver}) >= parallelism) {
      wait(std::min(end, anytime_at));
      // How many run at once varies: a new level each time a driver ends.
      if (running_of({CommandKind::parallel_driver}) < parallelism) {
        parallelism = 1 + below(parallelism_rng_, static_cast<size_t>(std::max(options_.max_parallel, 1)));
      }
      continue;
    }
    if (!start(*next, service_rng_)) wait(std::min(end, Clock::now() + Duration(100)));  // could not start: try again later
    next = nullptr;
  }
}

void Scheduler::ending() {
  std::vector<const Command*> eventually, finally;
  for (const Command& c : commands_[CommandKind::eventually]) eventually.push_back(&c);
  for (const Command& c : commands_[CommandKind::finally]) finally.push_back(&c);
  const bool any_driver_started =
      std::any_of(summary_.started.begin(), summary_.started.end(), [&](const std::string& s) {
        const std::string name = s.substr(0, s.find('@'));
        const std::optional<CommandKind> kind = command_kind(name);
        return kind && (is_driver(*kind) || *kind == CommandKind::anytime);
      });
  // eventually_ or finally_, never both; eventually_ needs a driver to have started. An ending
  // kind the run has not yet run comes first.
  std::vector<std::string> kinds;
  if (!eventually.empty() && any_driver_started) kinds.push_back("eventually");
  if (!finally.empty()) kinds.push_back("finally");
  if (options_.explored) {
    std::vector<std::string> fresh;
    for (const std::string& k : kinds) {
      if (!options_.explored->endings.count(k)) fresh.push_back(k);
    }
    if (!fresh.empty()) kinds = std::move(fresh);
  }
  const std::string kind = kinds.empty() ? "" : kinds[below(ending_rng_, kinds.size())];
  if (kind == "eventually") {
    kill_all();  // running commands end; the phase's listeners stop the faults
    summary_.ending = "eventually";
    if (options_.explored) options_.explored->endings.insert(kind);
    enter(Phase::ending, kind);
    run_alone(*pick_unexplored(eventually, ending_rng_), ending_rng_);
    return;
  }
  wait_for_all();
  if (summary_.cancelled) return;
  if (kind == "finally" && summary_.all_completed) {
    summary_.ending = "finally";
    if (options_.explored) options_.explored->endings.insert(kind);
    enter(Phase::ending, kind);
    run_alone(*pick_unexplored(finally, ending_rng_), ending_rng_);
  }
}

}  // namespace faultline::composer
