// `faultline env up|exec|ps|down` and `faultline validate`: an environment used by hand, as with
// docker compose.
#ifndef FAULTLINE_SRC_CLI_ENV_H_
#define FAULTLINE_SRC_CLI_ENV_H_

#include <filesystem>
#include <string>
#include <vector>

#include "env/backends.h"
#include "env/compose.h"
#include "fault_words.h"

namespace faultline::cli {

// Where the environment comes from: -f FILE... (merged in order) or a folder, and -p NAME.
struct ProjectArgs {
  std::vector<std::filesystem::path> files;
  std::filesystem::path directory = ".";
  std::string project_name;
  std::string backend;  // --backend; empty: the project's x-faultline.backend, else local

  // The project, its warnings printed. Throws env::ConfigError.
  env::Project load(bool print_warnings = true) const;
  // The backend the project runs on (--backend, x-faultline.backend). Throws as
  // env::choose_backend, and env::ConfigError for what that backend cannot run.
  env::BackendKind backend_of(const env::Project& project) const;
  // The project's name, without loading the files when -p or COMPOSE_PROJECT_NAME give it.
  std::string name() const;
};

// Each returns the exit status (run/exit_status.h).
int env_up(const ProjectArgs& args, env::Duration timeout);
int env_exec(const ProjectArgs& args, const std::string& service, const std::vector<std::string>& command,
             const std::vector<std::string>& extra_environment, const std::string& working_dir);
int env_ps(const ProjectArgs& args);
// Puts the fault `words` say in force in the running environment, until `env_heal`.
int env_fault(const ProjectArgs& args, const FaultWords& words);
int env_heal(const ProjectArgs& args);
int env_down(const ProjectArgs& args);
int validate(const ProjectArgs& args);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_ENV_H_
