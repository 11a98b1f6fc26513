#include "env.h"

#include <fmt/core.h>
#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>

#include "composer/templates.h"
#include "env/docker/docker_backend.h"
#include "env/environment.h"
#include "env/local/enter.h"
#include "env/local/local_backend.h"
#include "env_control.h"
#include "report/inert_text.h"
#include "faults/in_force.h"
#include "run/exit_status.h"
#include "signals.h"

namespace faultline::cli {
namespace {

using report::inert;

// Prints service output as compose does ("name | line") and state changes. On a terminal the
// services' own output passes through (colours from programs still work, as with compose); into a
// file or a pipe it is made inert like everything else from the system under test.
class TerminalObserver : public env::EnvironmentObserver {
 public:
  explicit TerminalObserver(size_t width) : width_(width), pass_through_(isatty(STDOUT_FILENO)) {}
  void on_output(const std::string& service, const char*, const std::string& line) override {
    std::lock_guard lock(mutex_);
    fmt::print("{:<{}} | {}\n", inert(service), width_, pass_through_ ? line : inert(line, {.max_bytes = 1 << 20}));
    std::fflush(stdout);
  }
  void on_state(const std::string& service, env::ServiceState state, const std::string& detail) override {
    std::lock_guard lock(mutex_);
    if (state == env::ServiceState::exited) {
      fmt::print(stderr, "faultline: {} exited with status {}\n", inert(service), inert(detail));
    } else if (state == env::ServiceState::unhealthy) {
      fmt::print(stderr, "faultline: {} is unhealthy: {}\n", inert(service), inert(detail, {.keep_newlines = true}));
    } else {
      fmt::print(stderr, "faultline: {} is {}\n", inert(service), env::to_string(state));
    }
  }

 private:
  size_t width_;
  bool pass_through_;
  std::mutex mutex_;
};

}  // namespace

env::Project ProjectArgs::load(bool print_warnings) const {
  env::Project project = env::load_project(files, directory, project_name);
  if (print_warnings) {
    for (const std::string& warning : project.warnings) fmt::print(stderr, "warning: {}\n", inert(warning));
  }
  return project;
}

env::BackendKind ProjectArgs::backend_of(const env::Project& project) const {
  const env::BackendKind kind = env::choose_backend(project, backend);
  env::check_project_for(project, kind);
  return kind;
}

std::string ProjectArgs::name() const {
  if (!project_name.empty()) return project_name;
  if (const char* env = std::getenv("COMPOSE_PROJECT_NAME"); env && *env) return env;
  return load(/*print_warnings=*/false).name;
}

int env_up(const ProjectArgs& args, env::Duration timeout) {
  env::Project project = args.load();
  const env::BackendKind backend = args.backend_of(project);
  size_t width = 0;
  for (const auto& [name, spec] : project.services) width = std::max(width, name.size());
  TerminalObserver observer(width);
  const std::string name = project.name;
  env::Environment environment(project, &observer);

  std::mutex mutex;
  std::condition_variable ended;
  bool down_requested = false;
  // Faults put in force by hand (`faultline env fault`), from the control socket's one thread.
  faults::FaultsInForce in_force(environment);
  EnvControlServer control(name, [&](const nlohmann::json& request, std::vector<int>* fds) -> nlohmann::json {
    const std::string op = request.value("op", "");
    if (op == "entry" && backend == env::BackendKind::docker) {
      const auto [socket, container] = env::docker::container_of(environment.backend(), request.at("service"));
      return {{"docker_socket", socket}, {"container", container}};
    }
    if (op == "entry") {
      env::local::ServiceEntry entry = env::local::local_service_entry(environment.backend(), request.at("service"));
      fds->push_back(entry.pidfd);
      return {{"environment", entry.environment}, {"working_dir", entry.working_dir}, {"uid", entry.uid}, {"gid", entry.gid}};
    }
    if (op == "fault") {
      const faults::Fault fault = faults::fault_from_json(request.at("fault"));
      const int id = in_force.start(fault);
      return {{"fault", id}, {"applied", fault.describe()}};
    }
    if (op == "heal") {
      nlohmann::json healed = nlohmann::json::array(), errors = nlohmann::json::array();
      std::vector<std::string> restarted;
      while (!in_force.active().empty()) {
        const auto [id, fault] = *in_force.active().begin();
        const std::string error = in_force.end(id);
        healed.push_back(fault.describe());
        if (!error.empty()) errors.push_back(error);
        if (fault.kind == faults::FaultKind::kill || fault.kind == faults::FaultKind::stop) restarted.push_back(fault.nodes[0]);
      }
      for (const std::string& service : restarted) {
        if (const std::string error = faults::restart_and_wait(environment, service, env::Duration(30000)); !error.empty()) {
          errors.push_back(error);
        }
      }
      return {{"healed", healed}, {"errors", errors}};
    }
    if (op == "ps") {
      nlohmann::json services = nlohmann::json::array();
      for (const auto& [service, spec] : environment.project().services) {
        const env::ServiceStatus status = environment.status(service);
        services.push_back({{"name", service},
                            {"state", status.paused ? "paused" : env::to_string(status.state)},
                            {"address", environment.backend().address(service)},
                            {"exit_status", status.exit_status ? nlohmann::json(*status.exit_status) : nlohmann::json()}});
      }
      nlohmann::json in_force_now = nlohmann::json::array();
      for (const auto& [id, fault] : in_force.active()) in_force_now.push_back({{"fault", id}, {"description", fault.describe()}});
      return {{"project", name}, {"services", services}, {"faults", in_force_now}};
    }
    if (op == "down") {
      std::lock_guard lock(mutex);
      down_requested = true;
      ended.notify_all();
      return {{"ok", true}};
    }
    throw std::runtime_error("unknown request \"" + op + "\"");
  });

  // Ctrl-C also interrupts a slow start: the environment goes down from the watcher's thread.
  const SignalWatcher signals([&](int) {
    fmt::print(stderr, "\nfaultline: stopping the environment\n");
    environment.down(env::Duration(3000));
    std::lock_guard lock(mutex);
    ended.notify_all();
  });
  int status = run::kExitPassed;
  try {
    env::attach_backend(environment, backend);
    environment.up(timeout);
    fmt::print(stderr, "faultline: environment \"{}\" is up: {} services. `faultline env exec SERVICE -- CMD`, "
               "`faultline env ps`; Ctrl-C or `faultline env down` to stop.\n", name, project.services.size());
    std::unique_lock lock(mutex);
    ended.wait(lock, [&] { return down_requested || signals.received() != 0; });
  } catch (const std::exception& e) {
    if (!signals.received()) fmt::print(stderr, "faultline: {}\n", inert(e.what(), {.keep_newlines = true}));
    status = run::kExitUsage;
  }
  environment.down(env::Duration(signals.received() ? 3000 : 10000));
  return signals.received() ? run::kExitInterrupted : status;
}

int env_exec(const ProjectArgs& args, const std::string& service, const std::vector<std::string>& command,
             const std::vector<std::string>& extra_env, const std::string& working_dir) {
  std::vector<int> fds;
  const nlohmann::json entry = env_control_request(args.name(), {{"op", "entry"}, {"service", service}}, &fds);
  if (entry.contains("container")) {
    env::ExecRequest request;
    request.argv = command;
    for (const std::string& var : extra_env) {
      const size_t eq = var.find('=');
      if (eq == std::string::npos) throw std::runtime_error("-e takes KEY=VALUE, not \"" + var + "\"");
      request.environment[var.substr(0, eq)] = var.substr(eq + 1);
    }
    request.working_dir = working_dir;
    request.stdout_fd = STDOUT_FILENO;
    request.stderr_fd = STDERR_FILENO;
    const auto process = env::docker::exec_in_container(entry.at("docker_socket"), entry.at("container"), request);
    for (;;) {
      if (const std::optional<int> status = process->wait_for(env::Duration(3600 * 1000))) return *status;
    }
  }
  if (fds.size() != 1) throw std::runtime_error("the environment sent no way into " + service);
  env::local::EnterSpec spec;
  spec.service_pidfd = fds[0];
  spec.argv = command;
  std::map<std::string, std::string> variables;
  for (const std::string& var : entry.at("environment").get<std::vector<std::string>>()) {
    const size_t eq = var.find('=');
    variables[var.substr(0, eq)] = var.substr(eq + 1);
  }
  for (const std::string& var : extra_env) {
    const size_t eq = var.find('=');
    if (eq == std::string::npos) throw std::runtime_error("-e takes KEY=VALUE, not \"" + var + "\"");
    variables[var.substr(0, eq)] = var.substr(eq + 1);
  }
  for (const auto& [k, v] : variables) spec.environment.push_back(k + "=" + v);
  spec.working_dir = working_dir.empty() ? entry.value("working_dir", "") : working_dir;
  spec.uid = entry.value("uid", 0u);
  spec.gid = entry.value("gid", 0u);
  spec.stdin_fd = STDIN_FILENO;
  spec.stdout_fd = STDOUT_FILENO;
  spec.stderr_fd = STDERR_FILENO;
  std::unique_ptr<env::RunningProcess> process = env::local::enter_and_exec(spec);
  close(fds[0]);
  return process->wait_for(env::Duration(-1)).value_or(1);
}

int env_fault(const ProjectArgs& args, const FaultWords& words) {
  std::vector<int> fds;
  const std::string name = args.name();
  std::vector<std::string> services;
  const nlohmann::json listed = env_control_request(name, {{"op", "ps"}}, &fds);
  for (const nlohmann::json& s : listed.at("services")) services.push_back(s.value("name", ""));
  const faults::Fault fault = fault_from_words(words, services);
  const nlohmann::json reply = env_control_request(name, {{"op", "fault"}, {"fault", faults::to_json(fault)}}, &fds);
  fmt::print("in force: {} (fault {}); `faultline env fault heal` ends it\n", inert(reply.value("applied", "")),
             reply.value("fault", 0));
  return run::kExitPassed;
}

int env_heal(const ProjectArgs& args) {
  std::vector<int> fds;
  const nlohmann::json reply = env_control_request(args.name(), {{"op", "heal"}}, &fds);
  for (const auto& healed : reply.at("healed")) fmt::print("healed: {}\n", inert(healed.get<std::string>()));
  if (reply.at("healed").empty()) fmt::print("no fault was in force\n");
  for (const auto& error : reply.at("errors")) fmt::print(stderr, "faultline: {}\n", inert(error.get<std::string>()));
  return reply.at("errors").empty() ? run::kExitPassed : run::kExitUsage;
}

int env_ps(const ProjectArgs& args) {
  std::vector<int> fds;
  const nlohmann::json reply = env_control_request(args.name(), {{"op", "ps"}}, &fds);
  fmt::print("{:<20} {:<10} {:<15} {}\n", "SERVICE", "STATE", "ADDRESS", "EXIT");
  for (const nlohmann::json& s : reply.at("services")) {
    fmt::print("{:<20} {:<10} {:<15} {}\n", inert(s.value("name", "")), s.value("state", ""), s.value("address", ""),
               s["exit_status"].is_null() ? "" : std::to_string(s["exit_status"].get<int>()));
  }
  const nlohmann::json faults = reply.value("faults", nlohmann::json::array());
  if (!faults.empty()) fmt::print("\nFAULTS IN FORCE\n");
  for (const nlohmann::json& f : faults) fmt::print("{:<4} {}\n", f.value("fault", 0), inert(f.value("description", "")));
  return 0;
}

// A temporary folder of its own, removed with everything in it.
struct TemporaryFolder {
  TemporaryFolder() {
    char name[] = "/tmp/faultline-validate-XXXXXX";
    if (mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = name;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

// What runners of the project that are gone left on the Docker daemon, removed (and said).
void remove_abandoned_containers(const ProjectArgs& args, const std::string& name) {
  std::optional<env::Project> project;
  try {
    project = args.load(/*print_warnings=*/false);
  } catch (const std::exception&) {
    return;  // no compose file here: nothing to say which backend
  }
  int removed = 0;
  try {
    if (env::choose_backend(*project, args.backend) != env::BackendKind::docker) return;
    removed = env::docker::remove_abandoned(name);
  } catch (const std::exception& e) {
    fmt::print(stderr, "faultline: could not look for what a runner left: {}\n", inert(e.what()));
    return;
  }
  if (removed > 0) fmt::print(stderr, "faultline: removed {} containers, networks and volumes that a runner of \"{}\" left\n", removed, inert(name));
}

int env_down(const ProjectArgs& args) {
  std::vector<int> fds;
  const std::string name = args.name();
  try {
    env_control_request(name, {{"op", "down"}}, &fds);
  } catch (const std::exception&) {
    // No runner holds the environment: what a dead one left is all there is to take down.
    remove_abandoned_containers(args, name);
    throw;
  }
  // The environment is down when its control socket is gone.
  for (int i = 0; i < 600; ++i) {
    try {
      env_control_request(name, {{"op", "ps"}}, &fds);
    } catch (const std::exception&) {
      fmt::print(stderr, "faultline: environment \"{}\" is down\n", inert(name));
      remove_abandoned_containers(args, name);
      return 0;
    }
    poll(nullptr, 0, 100);
  }
  throw std::runtime_error("the environment did not go down within a minute");
}

int validate(const ProjectArgs& args) {
  env::Project project = args.load();
  const env::BackendKind backend = args.backend_of(project);
  // Templates that images carry, read from a copy that goes when validate ends.
  TemporaryFolder copies;
  if (backend == env::BackendKind::docker) env::docker::bring_image_folders(project, composer::kTemplateRoot, copies.path);
  fmt::print("project {}: {} services on the {} backend ({})\n", inert(project.name), project.services.size(),
             env::to_string(backend),
             [&] {
               std::string files;
               for (const auto& f : project.files) files += (files.empty() ? "" : ", ") + inert(f.string());
               return files;
             }());
  const std::vector<composer::TestTemplate> templates = composer::find_templates(project);
  int problems = 0;
  if (templates.empty()) {
    fmt::print("no test template: no service has a folder {}/<template>/\n", composer::kTemplateRoot);
    return run::kExitUsage;
  }
  for (const composer::TestTemplate& tpl : templates) {
    fmt::print("template {}:\n", inert(tpl.name));
    std::map<std::string, std::vector<std::string>> by_service;
    for (const composer::TemplateCommand& c : tpl.commands) by_service[c.service].push_back(c.name);
    for (const composer::TemplateFault& f : tpl.faults) by_service[f.service].push_back(f.name + " (custom fault)");
    for (const auto& [service, names] : by_service) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      fmt::print("  {}: {}\n", inert(service), inert(list));
    }
    for (const composer::TemplateProblem& p : tpl.problems) {
      fmt::print("  problem: {}: {}\n", inert(p.path), inert(p.message));
      ++problems;
    }
  }
  fmt::print("{}\n", problems == 0 ? "ok" : fmt::format("{} problem{}", problems, problems == 1 ? "" : "s"));
  return problems == 0 ? 0 : run::kExitUsage;
}

}  // namespace faultline::cli
