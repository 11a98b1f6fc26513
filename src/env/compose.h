// A compose project: the services of a test environment, read from compose files.
#ifndef FAULTLINE_SRC_ENV_COMPOSE_H_
#define FAULTLINE_SRC_ENV_COMPOSE_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config_error.h"
#include "yaml_tree.h"

namespace faultline::env {

using Duration = std::chrono::milliseconds;

// A compose duration ("1m30s", "10s", "250ms"); throws ConfigError naming the mark and field.
Duration parse_duration(const std::string& text, const SourceMark& mark, const std::string& field);

// Splits a command line as compose does (shell-like quoting, no shell).
std::vector<std::string> split_command_line(const std::string& text);

struct HealthCheck {
  std::vector<std::string> argv;  // what runs inside the service (CMD-SHELL becomes /bin/sh -c)
  Duration interval{30000};
  Duration timeout{30000};
  Duration start_period{0};
  int retries = 3;
};

enum class DependCondition { started, healthy, completed_successfully };

struct Dependency {
  std::string service;
  DependCondition condition = DependCondition::started;
};

struct Mount {
  enum class Kind { bind, volume, tmpfs };
  Kind kind = Kind::bind;
  std::string source;  // bind: an absolute host path; volume: the volume's name (empty: anonymous)
  std::string target;  // absolute path inside the service
  bool read_only = false;
};

struct ServiceSpec {
  std::string name;
  std::string image;  // empty: none (the local backend runs programs of this machine)
  // As written; unset: the image's own (the Docker backend). An empty entrypoint clears the image's.
  std::optional<std::vector<std::string>> entrypoint, command;
  std::vector<std::string> argv;  // entrypoint + command: what the local backend runs
  std::optional<bool> init;       // compose's init:; unset: the backend's default
  std::map<std::string, std::string> environment;
  std::string hostname;  // defaults to the service's name
  std::string working_dir;
  std::string user;  // "uid[:gid]" or a name, as in compose; empty: root
  std::vector<Mount> mounts;
  std::optional<HealthCheck> healthcheck;
  std::vector<Dependency> depends_on;
  YamlPtr x_faultline;  // faultline's own settings, or null
  SourceMark mark;
  // Whether faultline may shift this service's wall clock (Backend::set_clock_offset): its
  // processes, and commands exec'd into it, start with libfaketime preloaded. Never read from a
  // compose file: the runner sets it on the services that clock faults may target, before the
  // backend is made.
  bool clock_control = false;
};

struct Project {
  std::string name;
  std::filesystem::path directory;  // where relative paths are resolved (the first file's folder)
  std::vector<std::filesystem::path> files;
  std::map<std::string, ServiceSpec> services;
  std::vector<std::string> start_order;  // every service, dependencies first
  std::vector<std::string> named_volumes;
  YamlPtr x_faultline;  // top-level x-faultline, or null
  std::vector<std::string> warnings;  // unknown keys and the like, each naming file and line
};

// The compose files of a directory, as compose finds them: compose.yaml, compose.yml,
// docker-compose.yaml, docker-compose.yml (the first that exists), plus compose.override.yaml etc.
// Throws ConfigError when there is none.
std::vector<std::filesystem::path> find_compose_files(const std::filesystem::path& directory);

// Loads and merges `files` (later files override earlier ones), interpolating variables from
// `environment` and the project directory's .env file (the environment wins). Throws ConfigError.
Project load_project(const std::vector<std::filesystem::path>& files,
                     const std::map<std::string, std::string>& environment);

// The process environment as a map, for load_project.
std::map<std::string, std::string> process_environment();

// The compose files a command names (each must exist), or those found in `directory` when it names
// none. Throws ConfigError.
std::vector<std::filesystem::path> compose_files(const std::vector<std::filesystem::path>& named,
                                                 const std::filesystem::path& directory);

// Throws ConfigError naming the first service the local backend cannot run: one with no command
// or entrypoint (an image's own it cannot read), suggesting --backend docker where it has an image.
void require_local_commands(const Project& project);

// What every faultline command loads: the project of compose_files(named, directory), interpolated
// from the process environment. `project_name` (as -p gives it) wins over every other name.
Project load_project(const std::vector<std::filesystem::path>& named, const std::filesystem::path& directory,
                     const std::string& project_name);

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_COMPOSE_H_
