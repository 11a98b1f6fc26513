// Test templates: the commands in /opt/antithesis/test/v1/<template>/ of each service, named by the
// Test Composer's conventions (spec section 1).
#ifndef FAULTLINE_SRC_COMPOSER_TEMPLATES_H_
#define FAULTLINE_SRC_COMPOSER_TEMPLATES_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "env/compose.h"

namespace faultline::composer {

// Where templates live inside a service.
inline constexpr const char* kTemplateRoot = "/opt/antithesis/test/v1";
// The file-name prefix of a template's custom fault programs.
inline constexpr const char* kFaultPrefix = "fault_";

enum class CommandKind { first, parallel_driver, serial_driver, singleton_driver, anytime, eventually, finally };

// The file-name prefix of a kind, e.g. "parallel_driver_".
const char* prefix_of(CommandKind kind);

// The kind a file name announces; nullopt when it has no known prefix.
std::optional<CommandKind> command_kind(const std::string& file_name);

struct TemplateCommand {
  std::string name;  // the file name, e.g. parallel_driver_generate_traffic.py
  CommandKind kind;
  std::string service;               // where it runs
  std::filesystem::path host_path;   // the file on this machine
  std::string path;                  // the file inside the service
};

// A program named fault_<name> in a template folder: a custom fault (as Antithesis' custom fault
// scripts) that the fault injector may run in the service that holds it. Not a test command.
struct TemplateFault {
  std::string name;
  std::string service;
  std::filesystem::path host_path;
  std::string path;  // inside the service
};

struct TemplateProblem {
  std::string path;  // as the user can find it: the file on this machine
  std::string message;
};

struct TestTemplate {
  std::string name;
  std::vector<TemplateCommand> commands;  // every valid command, in every service
  std::vector<TemplateFault> faults;      // every valid fault_ program, in every service
  std::vector<TemplateProblem> problems;
};

// Every template that some service of the project holds (through its bind mounts, or this
// machine's own /opt/antithesis/test/v1, which services see too), checked. Sorted by name. A
// service that another depends on with service_completed_successfully holds none: it has ended
// before commands run.
std::vector<TestTemplate> find_templates(const env::Project& project);

}  // namespace faultline::composer

#endif  // FAULTLINE_SRC_COMPOSER_TEMPLATES_H_
