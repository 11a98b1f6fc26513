// faultline: the command line.
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#include "composer/templates.h"
#include "env/compose.h"
#include "env/environment.h"
#include "env/local/enter.h"
#include "env/local/local_backend.h"
#include "env_control.h"
#include "run.h"
#include "signals.h"
#include "check.h"
#include "check/model.h"
#include "faultline/version.h"

namespace faultline::cli {
namespace {

namespace fs = std::filesystem;


// Where the environment comes from: -f FILE... or a directory (default: here).
struct ProjectArgs {
  std::vector<std::string> files;
  std::string directory = ".";
  std::string project_name;

  void add_to(CLI::App* app) {
    app->add_option("-f,--file", files, "Compose file (repeat to merge overrides)");
    app->add_option("-p,--project-name", project_name, "Project name (default: the folder's name)");
  }

  env::Project load(bool print_warnings = true) const {
    std::vector<fs::path> paths;
    if (files.empty()) {
      paths = env::find_compose_files(directory);
    } else {
      for (const std::string& f : files) {
        if (!fs::exists(f)) throw env::ConfigError({f, 0, 0}, "", "no such file");
        paths.emplace_back(f);
      }
    }
    std::map<std::string, std::string> environment = env::process_environment();
    if (!project_name.empty()) environment["COMPOSE_PROJECT_NAME"] = project_name;
    env::Project project = env::load_project(paths, environment);
    if (print_warnings) {
      for (const std::string& warning : project.warnings) fmt::print(stderr, "warning: {}\n", warning);
    }
    return project;
  }

  // The name of the project without loading it fully when only the name is needed.
  std::string name() const {
    if (!project_name.empty()) return project_name;
    if (const char* env = std::getenv("COMPOSE_PROJECT_NAME"); env && *env) return env;
    return load(/*print_warnings=*/false).name;
  }
};

// Prints service output as compose does ("name | line") and state changes.
class TerminalObserver : public env::EnvironmentObserver {
 public:
  explicit TerminalObserver(size_t width) : width_(width) {}
  void on_output(const std::string& service, const char*, const std::string& line) override {
    std::lock_guard lock(mutex_);
    fmt::print("{:<{}} | {}\n", service, width_, line);
    std::fflush(stdout);
  }
  void on_state(const std::string& service, env::ServiceState state, const std::string& detail) override {
    std::lock_guard lock(mutex_);
    if (state == env::ServiceState::exited) {
      fmt::print(stderr, "faultline: {} exited with status {}\n", service, detail);
    } else if (state == env::ServiceState::unhealthy) {
      fmt::print(stderr, "faultline: {} is unhealthy: {}\n", service, detail);
    } else {
      fmt::print(stderr, "faultline: {} is {}\n", service, env::to_string(state));
    }
  }

 private:
  size_t width_;
  std::mutex mutex_;
};

int env_up(const ProjectArgs& args, const std::string& timeout_text) {
  env::Project project = args.load();
  const env::Duration timeout = env::parse_duration(timeout_text, {}, "--timeout");
  size_t width = 0;
  for (const auto& [name, spec] : project.services) width = std::max(width, name.size());
  TerminalObserver observer(width);
  const std::string name = project.name;
  env::Environment environment(project, &observer);

  std::atomic<bool> down_requested{false};
  EnvControlServer control(name, [&](const nlohmann::json& request, std::vector<int>* fds) -> nlohmann::json {
    const std::string op = request.value("op", "");
    if (op == "entry") {
      env::local::ServiceEntry entry = env::local::local_service_entry(environment.backend(), request.at("service"));
      fds->push_back(entry.pidfd);
      return {{"environment", entry.environment}, {"working_dir", entry.working_dir}, {"uid", entry.uid}, {"gid", entry.gid}};
    }
    if (op == "ps") {
      nlohmann::json services = nlohmann::json::array();
      for (const auto& [service, spec] : environment.project().services) {
        const env::ServiceStatus status = environment.status(service);
        services.push_back({{"name", service},
                            {"state", env::to_string(status.state)},
                            {"address", environment.backend().address(service)},
                            {"exit_status", status.exit_status ? nlohmann::json(*status.exit_status) : nlohmann::json()}});
      }
      return {{"project", name}, {"services", services}};
    }
    if (op == "down") {
      down_requested = true;
      return {{"ok", true}};
    }
    throw std::runtime_error("unknown request \"" + op + "\"");
  });

  // A thread takes the termination signals, so that Ctrl-C also interrupts a slow start.
  const sigset_t signals = termination_signals();
  std::atomic<int> signal_seen{0};
  std::thread signal_thread([&] {
    for (;;) {
      timespec tick{0, 200 * 1000 * 1000};
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig > 0) {
        signal_seen = sig;
        fmt::print(stderr, "\nfaultline: stopping the environment\n");
        environment.down(env::Duration(3000));
        return;
      }
      if (down_requested) {
        environment.down(env::Duration(10000));
        return;
      }
    }
  });

  int status = 0;
  try {
    environment.attach(env::local::make_local_backend(
        project, [&environment](const std::string& service, int code) { environment.on_exit(service, code); }));
    environment.up(timeout);
    fmt::print(stderr, "faultline: environment \"{}\" is up: {} services. `faultline env exec SERVICE -- CMD`, "
               "`faultline env ps`; Ctrl-C or `faultline env down` to stop.\n", name, project.services.size());
  } catch (const std::exception& e) {
    if (!signal_seen) fmt::print(stderr, "faultline: {}\n", e.what());
    status = kExitUsage;
    down_requested = true;
  }
  signal_thread.join();
  environment.down(env::Duration(0));
  if (signal_seen) return kExitInterrupted;
  return status;
}

int env_exec(const ProjectArgs& args, const std::string& service, const std::vector<std::string>& command,
             const std::vector<std::string>& extra_env, const std::string& working_dir) {
  std::vector<int> fds;
  const nlohmann::json entry = env_control_request(args.name(), {{"op", "entry"}, {"service", service}}, &fds);
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

int env_ps(const ProjectArgs& args) {
  std::vector<int> fds;
  const nlohmann::json reply = env_control_request(args.name(), {{"op", "ps"}}, &fds);
  fmt::print("{:<20} {:<10} {:<15} {}\n", "SERVICE", "STATE", "ADDRESS", "EXIT");
  for (const nlohmann::json& s : reply.at("services")) {
    fmt::print("{:<20} {:<10} {:<15} {}\n", s.value("name", ""), s.value("state", ""), s.value("address", ""),
               s["exit_status"].is_null() ? "" : std::to_string(s["exit_status"].get<int>()));
  }
  return 0;
}

int env_down(const ProjectArgs& args) {
  std::vector<int> fds;
  const std::string name = args.name();
  env_control_request(name, {{"op", "down"}}, &fds);
  // The environment is down when its control socket is gone.
  for (int i = 0; i < 600; ++i) {
    try {
      env_control_request(name, {{"op", "ps"}}, &fds);
    } catch (const std::exception&) {
      fmt::print(stderr, "faultline: environment \"{}\" is down\n", name);
      return 0;
    }
    poll(nullptr, 0, 100);
  }
  throw std::runtime_error("the environment did not go down within a minute");
}

int validate(const ProjectArgs& args) {
  const env::Project project = args.load();
  fmt::print("project {}: {} services ({})\n", project.name, project.services.size(),
             [&] {
               std::string files;
               for (const auto& f : project.files) files += (files.empty() ? "" : ", ") + f.string();
               return files;
             }());
  const std::vector<composer::TestTemplate> templates = composer::find_templates(project);
  int problems = 0;
  if (templates.empty()) {
    fmt::print("no test template: no service has a folder {}/<template>/\n", composer::kTemplateRoot);
    return kExitUsage;
  }
  for (const composer::TestTemplate& tpl : templates) {
    fmt::print("template {}:\n", tpl.name);
    std::map<std::string, std::vector<std::string>> by_service;
    for (const composer::TemplateCommand& c : tpl.commands) by_service[c.service].push_back(c.name);
    for (const auto& [service, names] : by_service) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      fmt::print("  {}: {}\n", service, list);
    }
    for (const composer::TemplateProblem& p : tpl.problems) {
      fmt::print("  problem: {}: {}\n", p.path, p.message);
      ++problems;
    }
  }
  fmt::print("{}\n", problems == 0 ? "ok" : fmt::format("{} problem{}", problems, problems == 1 ? "" : "s"));
  return problems == 0 ? 0 : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Termination signals are taken by a thread (sigtimedwait), never by default handlers that
  // would skip teardown; every thread inherits this mask.
  const sigset_t signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"faultline: test distributed systems under faults, locally"};
  app.set_version_flag("--version", FAULTLINE_VERSION);
  app.require_subcommand(1);

  ProjectArgs project_args;
  std::string timeout = "5m";
  CLI::App* env_cmd = app.add_subcommand("env", "Use an environment by hand");
  env_cmd->require_subcommand(1);
  CLI::App* up = env_cmd->add_subcommand("up", "Start the environment in the foreground (Ctrl-C stops it)");
  project_args.add_to(up);
  up->add_option("dir", project_args.directory, "Folder with a compose file")->check(CLI::ExistingDirectory);
  up->add_option("--timeout", timeout, "How long to wait for services to start and be healthy");

  std::string service;
  std::vector<std::string> command, extra_env;
  std::string working_dir;
  CLI::App* exec = env_cmd->add_subcommand("exec", "Run a command inside a service of a running environment");
  project_args.add_to(exec);
  exec->add_option("-e,--env", extra_env, "Extra environment variable KEY=VALUE");
  exec->add_option("-w,--workdir", working_dir, "Working directory inside the service");
  exec->add_option("service", service, "Service")->required();
  exec->add_option("command", command, "Command and arguments (after --)")->required();

  CLI::App* ps = env_cmd->add_subcommand("ps", "List the services of a running environment");
  project_args.add_to(ps);
  CLI::App* down = env_cmd->add_subcommand("down", "Stop a running environment");
  project_args.add_to(down);

  RunOptions run_options;
  for (int i = 0; i < argc; ++i) run_options.arguments.push_back(argv[i]);
  uint64_t seed = 0;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a test template and report which properties hold");
  run_cmd->add_option("dir", run_options.directory, "Folder with a compose file and its templates")->check(CLI::ExistingDirectory);
  run_cmd->add_option("-f,--file", run_options.files, "Compose file (repeat to merge overrides)");
  run_cmd->add_option("--duration", run_options.duration, "How long the whole run lasts (default 30m)");
  run_cmd->add_option("--seed", seed, "The run's seed (default: a fresh one, printed and recorded)");
  run_cmd->add_option("--out", run_options.out, "Run directory (default runs/<time>-<seed>)");
  run_cmd->add_option("--template", run_options.template_name, "Template to run (needed when there are several)");
  run_cmd->add_option("--timeline", run_options.timeline, "Length of a timeline's driver phase (default 60s)");
  run_cmd->add_option("--max-parallel", run_options.max_parallel, "Parallel drivers at most at once (default 4)");
  run_cmd->add_option("--command-timeout", run_options.command_timeout, "A command running longer is killed (default 5m)");
  run_cmd->add_option("--setup-timeout", run_options.setup_timeout, "How long to wait for setup complete (default 2m)");
  run_cmd->add_option("--replay-timeline", run_options.replay, "Run timeline N of RUN_DIR again with the same choices (RUN_DIR:N)");
  run_cmd->add_flag("--quiet", run_options.quiet, "Print only the summary");

  std::string report_dir;
  CLI::App* report_cmd = app.add_subcommand("report", "Rebuild a run's report from its run directory");
  report_cmd->add_option("run_dir", report_dir, "Run directory")->required()->check(CLI::ExistingDirectory);

  CheckCommandOptions check_options;
  CLI::App* check_cmd = app.add_subcommand("check", "Check recorded histories for linearizability");
  check_cmd->add_option("--model", check_options.model, faultline::check::model_names())->required();
  check_cmd->add_option("--format", check_options.format, "auto (default), jepsen-log, edn or faultline");
  check_cmd->add_flag("!--no-partition", check_options.partition, "Check the whole history as one state (no per-key split)");
  check_cmd->add_option("--timeout", check_options.timeout, "Give up (verdict unknown, exit 3) after this long (default 60s)");
  check_cmd->add_option("--html", check_options.html, "Draw the first failing history into this HTML file");
  check_cmd->add_flag("--json", check_options.json, "Print the verdicts as JSON");
  check_cmd->add_option("files", check_options.files, "History files")->required()->check(CLI::ExistingFile);

  CLI::App* validate_cmd = app.add_subcommand("validate", "Check an environment and its test templates");
  project_args.add_to(validate_cmd);
  validate_cmd->add_option("dir", project_args.directory, "Folder with a compose file")->check(CLI::ExistingDirectory);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  try {
    if (up->parsed()) return env_up(project_args, timeout);
    if (exec->parsed()) return env_exec(project_args, service, command, extra_env, working_dir);
    if (ps->parsed()) return env_ps(project_args);
    if (down->parsed()) return env_down(project_args);
    if (validate_cmd->parsed()) return validate(project_args);
    if (run_cmd->parsed()) {
      if (run_cmd->count("--seed")) run_options.seed = seed;
      return run_command(run_options);
    }
    if (report_cmd->parsed()) return report_command(report_dir);
    if (check_cmd->parsed()) return check_command(check_options);
  } catch (const env::ConfigError& e) {
    fmt::print(stderr, "faultline: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "faultline: {}\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace faultline::cli

int main(int argc, char** argv) { return faultline::cli::main(argc, argv); }
