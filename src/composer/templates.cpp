#include "templates.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace faultline::composer {
namespace {

namespace fs = std::filesystem;

constexpr CommandKind kKinds[] = {CommandKind::first,     CommandKind::parallel_driver, CommandKind::serial_driver,
                                  CommandKind::singleton_driver, CommandKind::anytime, CommandKind::eventually,
                                  CommandKind::finally};

bool is_helper(const std::string& name) { return name.rfind("helper_", 0) == 0; }

// A place where some template's files are visible in a service.
struct TemplateSource {
  std::string template_name;
  fs::path host;            // a template folder, or one command file
  std::string service_dir;  // the template's folder inside the service
  bool single_file = false;
};

std::vector<TemplateSource> sources_of(const env::ServiceSpec& service) {
  const std::string root = kTemplateRoot;
  std::vector<std::pair<fs::path, std::string>> roots;  // host folder holding templates, as seen in service
  std::vector<TemplateSource> sources;
  std::error_code ec;
  if (fs::is_directory(root, ec)) roots.emplace_back(root, root);
  for (const env::Mount& m : service.mounts) {
    if (m.kind != env::Mount::Kind::bind) continue;
    const std::string& target = m.target;
    if (target == "/" || root == target || root.rfind(target + "/", 0) == 0) {
      const std::string below = target == "/" ? root : root.substr(target.size());
      roots.emplace_back(fs::path(m.source + below).lexically_normal(), root);
    } else if (target.rfind(root + "/", 0) == 0) {
      const std::string relative = target.substr(root.size() + 1);
      const size_t slash = relative.find('/');
      const std::string name = relative.substr(0, slash);
      if (slash == std::string::npos) {
        sources.push_back({name, m.source, target, false});
      } else if (relative.find('/', slash + 1) == std::string::npos) {
        sources.push_back({name, m.source, root + "/" + name, true});
      }
    }
  }
  for (const auto& [host, inside] : roots) {
    for (const auto& entry : fs::directory_iterator(host, ec)) {
      // error_code forms throughout: a link that loops is no template, never an exception.
      if (entry.is_directory(ec)) {
        const std::string name = entry.path().filename().string();
        sources.push_back({name, entry.path(), inside + "/" + name, false});
      }
    }
  }
  return sources;
}

// Checks one command file; returns the problem, or an empty string.
std::string check_command(const fs::path& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "cannot be read (a dangling symbolic link?)";
  if (S_ISDIR(st.st_mode)) return "a folder: only files named helper_* may be folders here";
  if ((st.st_mode & 0111) == 0) return "not executable (chmod +x it)";
  std::ifstream in(path, std::ios::binary);
  char head[4] = {0, 0, 0, 0};
  in.read(head, 4);
  const bool elf = in.gcount() == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
  const bool script = in.gcount() >= 2 && head[0] == '#' && head[1] == '!';
  if (!elf && !script) return "neither a program nor a script starting with #!";
  return "";
}

void add_file(TestTemplate& tpl, const std::string& service, const fs::path& host, const std::string& inside,
              std::set<std::pair<std::string, std::string>>& seen) {
  const std::string name = host.filename().string();
  if (is_helper(name)) return;
  if (!seen.emplace(service, inside).second) return;
  const std::optional<CommandKind> kind = command_kind(name);
  const bool custom_fault = name.size() > std::strlen(kFaultPrefix) && name.rfind(kFaultPrefix, 0) == 0;
  if (!kind && !custom_fault) {
    std::error_code ec;
    if (fs::is_directory(host, ec)) {
      tpl.problems.push_back({host.string(), "a folder: only folders named helper_* may be in a template"});
    } else {
      tpl.problems.push_back({host.string(),
                              "not a test command: a name must start with first_, parallel_driver_, "
                              "serial_driver_, singleton_driver_, anytime_, eventually_, finally_, fault_ or helper_"});
    }
    return;
  }
  if (const std::string problem = check_command(host); !problem.empty()) {
    tpl.problems.push_back({host.string(), problem});
    return;
  }
  if (custom_fault) {
    tpl.faults.push_back({name, service, host, inside});
  } else {
    tpl.commands.push_back({name, *kind, service, host, inside});
  }
}

}  // namespace

const char* prefix_of(CommandKind kind) {
  switch (kind) {
    case CommandKind::first: return "first_";
    case CommandKind::parallel_driver: return "parallel_driver_";
    case CommandKind::serial_driver: return "serial_driver_";
    case CommandKind::singleton_driver: return "singleton_driver_";
    case CommandKind::anytime: return "anytime_";
    case CommandKind::eventually: return "eventually_";
    case CommandKind::finally: return "finally_";
  }
  return "";
}

std::optional<CommandKind> command_kind(const std::string& file_name) {
  for (CommandKind kind : kKinds) {
    const std::string prefix = prefix_of(kind);
    if (file_name.size() > prefix.size() && file_name.rfind(prefix, 0) == 0) return kind;
  }
  return std::nullopt;
}

std::vector<TestTemplate> find_templates(const env::Project& project) {
  std::map<std::string, TestTemplate> templates;
  std::set<std::pair<std::string, std::string>> seen;  // (service, path inside) already taken
  std::set<std::string> problem_paths;
  // A service that another waits for to complete successfully ends before any test command runs
  // (a one-shot set-up such as the tutorial's health checker): what its image holds runs elsewhere.
  std::set<std::string> one_shots;
  for (const auto& [name, service] : project.services) {
    for (const env::Dependency& dependency : service.depends_on) {
      if (dependency.condition == env::DependCondition::completed_successfully) one_shots.insert(dependency.service);
    }
  }
  for (const auto& [service_name, service] : project.services) {
    if (one_shots.count(service_name)) continue;
    for (const TemplateSource& source : sources_of(service)) {
      TestTemplate& tpl = templates[source.template_name];
      tpl.name = source.template_name;
      if (source.single_file) {
        add_file(tpl, service_name, source.host, source.service_dir + "/" + source.host.filename().string(), seen);
        continue;
      }
      std::error_code ec;
      std::vector<fs::path> entries;
      for (const auto& entry : fs::directory_iterator(source.host, ec)) entries.push_back(entry.path());
      std::sort(entries.begin(), entries.end());
      for (const fs::path& entry : entries) {
        add_file(tpl, service_name, entry, source.service_dir + "/" + entry.filename().string(), seen);
      }
    }
  }
  std::vector<TestTemplate> out;
  for (auto& [name, tpl] : templates) {
    // The same host file seen from two services is one problem.
    std::vector<TemplateProblem> unique;
    std::set<std::string> paths;
    for (const TemplateProblem& p : tpl.problems) {
      if (paths.insert(p.path + p.message).second) unique.push_back(p);
    }
    tpl.problems = unique;
    const bool has_driver = std::any_of(tpl.commands.begin(), tpl.commands.end(), [](const TemplateCommand& c) {
      return c.kind == CommandKind::parallel_driver || c.kind == CommandKind::serial_driver ||
             c.kind == CommandKind::singleton_driver || c.kind == CommandKind::anytime;
    });
    if (!has_driver) {
      tpl.problems.push_back({std::string(kTemplateRoot) + "/" + name,
                              "no parallel_driver_, serial_driver_, singleton_driver_ or anytime_ command: "
                              "a template needs at least one"});
    }
    out.push_back(std::move(tpl));
  }
  return out;
}

}  // namespace faultline::composer
