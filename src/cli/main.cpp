// faultline: the command line. It parses arguments and hands them to the parts that act on them.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "check/model.h"
#include "env.h"
#include "faultline/version.h"
#include "faults/config.h"
#include "report/inert_text.h"
#include "run.h"
#include "run/exit_status.h"
#include "run/run.h"
#include "signals.h"

namespace faultline::cli {
namespace {

namespace fs = std::filesystem;

// Compose's `-f a.yaml -f b.yaml` and `-p NAME`; each -f takes exactly one file, so that a service
// name after it is never taken for a second file.
void add_project_options(CLI::App* app, ProjectArgs& args) {
  app->add_option("-f,--file", args.files, "Compose file (repeat to merge overrides, in order)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("-p,--project-name", args.project_name, "Project name (default: the folder's name)");
}

// `env exec [OPTIONS] SERVICE [--] COMMAND [ARGS...]`, as docker compose takes it: options anywhere
// before the command; the command and everything after it (after `--`, or from the word after the
// service) are the command's, untouched. Returns how many of `args` are faultline's.
size_t exec_options_end(const CLI::App& exec, const std::vector<std::string>& args) {
  bool service_seen = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return i;
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::Option* option = exec.get_option_no_throw(name);
      const bool takes_value = option != nullptr && option->get_type_size() > 0;
      if (takes_value && name == arg && (arg[1] == '-' || arg.size() == 2)) ++i;  // its value follows
      continue;
    }
    if (service_seen) return i;
    service_seen = true;
  }
  return args.size();
}

env::Duration duration_option(const std::string& text, const std::string& flag) {
  return env::parse_duration(text, {}, flag);
}

}  // namespace

int main(int argc, char** argv) {
  // Termination signals are taken by a watcher thread, never by default handlers that would skip
  // teardown; every thread inherits this mask.
  block_termination_signals();

  CLI::App app{"faultline: test distributed systems under faults, locally"};
  app.set_version_flag("--version", FAULTLINE_VERSION);
  app.require_subcommand(1);

  ProjectArgs project_args;
  std::string up_timeout = "5m";
  CLI::App* env_cmd = app.add_subcommand("env", "Use an environment by hand");
  env_cmd->require_subcommand(1);
  CLI::App* up = env_cmd->add_subcommand("up", "Start the environment in the foreground (Ctrl-C stops it)");
  add_project_options(up, project_args);
  up->add_option("dir", project_args.directory, "Folder with a compose file")->check(CLI::ExistingDirectory);
  up->add_option("--timeout", up_timeout, "How long to wait for services to start and be healthy");
  const char* backend_help = "Where services run: local (this machine's namespaces, the default) or docker (containers "
                             "from their images, on the daemon at DOCKER_HOST)";
  up->add_option("--backend", project_args.backend, backend_help);

  std::string service;
  std::vector<std::string> extra_env;
  std::string working_dir;
  CLI::App* exec = env_cmd->add_subcommand("exec", "Run a command inside a service of a running environment");
  add_project_options(exec, project_args);
  exec->add_option("-e,--env", extra_env, "Extra environment variable KEY=VALUE (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  exec->add_option("-w,--workdir", working_dir, "Working directory inside the service");
  exec->add_option("service", service, "Service")->required();
  exec->footer("The command follows the service (or `--`): COMMAND [ARGS...] is passed on untouched.");

  FaultWords fault_words;
  CLI::App* fault_cmd = env_cmd->add_subcommand("fault", "Put a fault in force in a running environment, or heal");
  add_project_options(fault_cmd, project_args);
  fault_cmd->add_option("words", fault_words.words, "KIND SERVICE [VALUE], or heal")->required();
  fault_cmd->add_option("--from", fault_words.from, "partition: the other side (default: every other service)");
  fault_cmd->add_option("--to", fault_words.to, "loss: only to and from this service");
  fault_cmd->add_flag("--one-way", fault_words.one_way, "partition, clog: cut what the service sends only");
  fault_cmd->add_option("--jitter", fault_words.jitter, "latency: how much it varies (+-)");
  fault_cmd->footer("Kinds: partition, clog, loss, latency, bandwidth, pause, kill, stop; `heal` ends them all.");

  CLI::App* ps = env_cmd->add_subcommand("ps", "List the services of a running environment, and its faults");
  add_project_options(ps, project_args);
  CLI::App* down = env_cmd->add_subcommand("down", "Stop a running environment");
  add_project_options(down, project_args);

  run::RunConfig run_config;
  for (int i = 0; i < argc; ++i) run_config.arguments.push_back(argv[i]);
  std::string duration = "30m", timeline = "60s", command_timeout = "5m", setup_timeout = "2m", replay;
  uint64_t seed = 0;
  bool quiet = false;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a test template and report which properties hold");
  run_cmd->add_option("dir", run_config.directory, "Folder with a compose file and its templates")->check(CLI::ExistingDirectory);
  run_cmd->add_option("-f,--file", run_config.compose_files, "Compose file (repeat to merge overrides, in order)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("-p,--project-name", run_config.project_name, "Project name (default: the folder's name)");
  run_cmd->add_option("--backend", run_config.backend, backend_help);
  run_cmd->add_option("--duration", duration, "How long the whole run lasts, every timeline included (default 30m)");
  run_cmd->add_option("--seed", seed, "The run's seed (default: a fresh one, printed and recorded)");
  run_cmd->add_option("--out", run_config.out, "Run directory (default runs/<time>-<seed>)");
  run_cmd->add_option("--template", run_config.template_name, "Template to run (needed when there are several)");
  run_cmd->add_option("--timeline", timeline, "How long a timeline lasts, setup to teardown (default 60s)");
  run_cmd->add_option("--max-parallel", run_config.max_parallel, "Parallel drivers at most at once (default 4)");
  run_cmd->add_option("--command-timeout", command_timeout, "A command running longer is killed (default 5m)");
  run_cmd->add_option("--setup-timeout", setup_timeout, "How long to wait for setup complete (default 2m)");
  run_cmd->add_option("--replay-timeline", replay, "Run timeline N of RUN_DIR again with the same choices (RUN_DIR:N)");
  std::string fault_kinds;
  double fault_rate = 0;
  run_cmd->add_option("--faults", fault_kinds,
                      "Faults to inject: none, all, network, node, clock, or kinds (partition, clog, loss, latency, "
                      "bandwidth, pause, kill, stop, clock, custom), comma-separated (default: network,pause,custom)");
  run_cmd->add_option("--fault-rate", fault_rate, "Mean faults started per minute of driver phase (default 10)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--quiet", quiet, "Print only the summary");
  std::string log_window = "5s";
  fs::path compare_with;
  const auto add_report_options = [&](CLI::App* cmd) {
    cmd->add_option("--compare", compare_with,
                    "Run directory to compare with (default: the previous run of the template in the same folder)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--log-window", log_window, "How far before and after a counterexample report.html shows logs (default 5s)");
  };
  add_report_options(run_cmd);

  fs::path report_dir;
  CLI::App* report_cmd = app.add_subcommand("report", "Rebuild a run's report (report.json, report.html, junit.xml) from its run directory");
  report_cmd->add_option("run_dir", report_dir, "Run directory")->required()->check(CLI::ExistingDirectory);
  add_report_options(report_cmd);

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
  add_project_options(validate_cmd, project_args);
  validate_cmd->add_option("dir", project_args.directory, "Folder with a compose file")->check(CLI::ExistingDirectory);
  validate_cmd->add_option("--backend", project_args.backend, backend_help);

  // `env exec`'s command is not faultline's to parse: split it off before CLI11 sees it.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> exec_command;
  if (args.size() >= 2 && args[0] == "env" && args[1] == "exec") {
    const std::vector<std::string> exec_args(args.begin() + 2, args.end());
    const size_t end = exec_options_end(*exec, exec_args);
    exec_command.assign(exec_args.begin() + static_cast<std::ptrdiff_t>(end), exec_args.end());
    if (!exec_command.empty() && exec_command.front() == "--") exec_command.erase(exec_command.begin());
    args.resize(2 + end);
  }
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes its arguments last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : run::kExitUsage;
  }

  try {
    if (up->parsed()) return env_up(project_args, duration_option(up_timeout, "--timeout"));
    if (exec->parsed()) {
      if (exec_command.empty()) throw std::runtime_error("env exec: no command given (SERVICE [--] COMMAND [ARGS...])");
      return env_exec(project_args, service, exec_command, extra_env, working_dir);
    }
    if (fault_cmd->parsed()) {
      if (fault_words.words == std::vector<std::string>{"heal"}) return env_heal(project_args);
      return env_fault(project_args, fault_words);
    }
    if (ps->parsed()) return env_ps(project_args);
    if (down->parsed()) return env_down(project_args);
    if (validate_cmd->parsed()) return validate(project_args);
    if (run_cmd->parsed()) {
      if (run_cmd->count("--seed")) run_config.seed = seed;
      if (run_cmd->count("--faults")) run_config.fault_kinds = faults::parse_fault_kinds(fault_kinds);
      if (run_cmd->count("--fault-rate")) run_config.fault_rate = fault_rate;
      if (run_cmd->count("--compare")) run_config.compare_with = compare_with;
      run_config.log_window = duration_option(log_window, "--log-window");
      run_config.duration = duration_option(duration, "--duration");
      run_config.timeline_length = duration_option(timeline, "--timeline");
      run_config.command_timeout = duration_option(command_timeout, "--command-timeout");
      run_config.setup_timeout = duration_option(setup_timeout, "--setup-timeout");
      if (!replay.empty()) {
        const size_t colon = replay.rfind(':');
        if (colon == std::string::npos) throw run::RunError("--replay-timeline takes RUN_DIR:N");
        run_config.replay = run::ReplayTarget{replay.substr(0, colon), std::atoi(replay.c_str() + colon + 1)};
      }
      return run_command(run_config, quiet);
    }
    if (report_cmd->parsed()) {
      report::ReportOptions options;
      if (report_cmd->count("--compare")) options.compare_with = compare_with;
      options.log_window = duration_option(log_window, "--log-window");
      return report_command(report_dir, options);
    }
    if (check_cmd->parsed()) return check_command(check_options);
  } catch (const std::exception& e) {
    fmt::print(stderr, "faultline: {}\n", report::inert(e.what(), {.keep_newlines = true}));
    return run::kExitUsage;
  }
  return run::kExitUsage;
}

}  // namespace faultline::cli

int main(int argc, char** argv) { return faultline::cli::main(argc, argv); }
