#include "compose.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <set>

#include "interpolate.h"

extern char** environ;

namespace faultline::env {
namespace {

namespace fs = std::filesystem;

// Keys that only matter to a container engine: accepted, and named once in a warning.
const std::set<std::string> kContainerKeys = {
    "build", "container_name", "networks", "ports", "expose", "restart", "platform",
    "deploy", "labels", "logging", "cap_add", "cap_drop", "privileged", "stop_signal",
    "stop_grace_period", "ulimits", "tty", "stdin_open", "security_opt", "sysctls", "extra_hosts",
    "dns", "dns_search", "network_mode", "pull_policy", "profiles", "domainname", "shm_size",
    "mem_limit", "memswap_limit", "cpus", "cpu_shares", "pid", "ipc", "devices", "group_add",
    "links", "external_links", "runtime", "scale", "healthcheck_start_interval", "mac_address"};

const std::set<std::string> kServiceKeys = {"image", "init", "command", "entrypoint", "environment", "env_file",
                                            "hostname", "working_dir", "user", "volumes",
                                            "healthcheck", "depends_on", "x-faultline"};

const std::set<std::string> kTopLevelKeys = {"version", "name", "services", "volumes",
                                             "networks", "configs", "secrets"};

bool is_extension(const std::string& key) { return key.rfind("x-", 0) == 0; }

YamlPtr make_scalar(const std::string& value, const SourceMark& mark) {
  auto node = std::make_shared<YamlNode>();
  node->kind = YamlNode::Kind::scalar;
  node->scalar = value;
  node->mark = mark;
  return node;
}

YamlPtr make_map(const SourceMark& mark) {
  auto node = std::make_shared<YamlNode>();
  node->kind = YamlNode::Kind::map;
  node->mark = mark;
  return node;
}

const std::string& require_scalar(const YamlPtr& node, const std::string& field) {
  if (!node || !node->is_scalar()) {
    throw ConfigError(node ? node->mark : SourceMark{}, field, "expected a string");
  }
  return node->scalar;
}

bool parse_bool(const YamlPtr& node, const std::string& field) {
  const std::string& s = require_scalar(node, field);
  if (s == "true" || s == "True" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "no") return false;
  throw ConfigError(node->mark, field, "expected true or false, not \"" + s + "\"");
}

int parse_int(const YamlPtr& node, const std::string& field) {
  const std::string& s = require_scalar(node, field);
  char* end = nullptr;
  const long value = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || value < 0 || value > 1000000) {
    throw ConfigError(node->mark, field, "expected a whole number, not \"" + s + "\"");
  }
  return static_cast<int>(value);
}

// A short-syntax volume ("src:dst[:mode]" or "dst") as a long-syntax map.
YamlPtr long_volume(const YamlPtr& entry, const std::string& field) {
  if (entry->is_map()) return entry;
  const std::string& spec = require_scalar(entry, field);
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = spec.find(':', start)) != std::string::npos; start = colon + 1) {
    parts.push_back(spec.substr(start, colon - start));
  }
  parts.push_back(spec.substr(start));
  YamlPtr out = make_map(entry->mark);
  if (parts.size() == 1) {
    out->set("type", make_scalar("volume", entry->mark));
    out->set("target", make_scalar(parts[0], entry->mark));
    return out;
  }
  if (parts.size() > 3) throw ConfigError(entry->mark, field, "expected SOURCE:TARGET[:MODE], not \"" + spec + "\"");
  const std::string& source = parts[0];
  const bool is_path = !source.empty() && (source[0] == '.' || source[0] == '/' || source[0] == '~');
  out->set("type", make_scalar(is_path ? "bind" : "volume", entry->mark));
  out->set("source", make_scalar(source, entry->mark));
  out->set("target", make_scalar(parts[1], entry->mark));
  if (parts.size() == 3) {
    std::string mode = parts[2];
    bool read_only = false;
    for (size_t s = 0, comma; s <= mode.size(); s = comma + 1) {
      comma = mode.find(',', s);
      if (comma == std::string::npos) comma = mode.size();
      const std::string option = mode.substr(s, comma - s);
      if (option == "ro") {
        read_only = true;
      } else if (option != "rw" && option != "z" && option != "Z" && !option.empty() &&
                 option.find("consistent") == std::string::npos && option != "cached" &&
                 option != "delegated") {
        throw ConfigError(entry->mark, field, "unknown volume mode \"" + option + "\"");
      }
    }
    out->set("read_only", make_scalar(read_only ? "true" : "false", entry->mark));
  }
  return out;
}

// Rewrites a service's list forms into maps, so that files merge by compose's rules: environment
// and depends_on by key, volumes by target.
void normalize_service(YamlNode& service, const std::string& field) {
  if (YamlPtr env = service.get("environment"); env && env->is_sequence()) {
    YamlPtr map = make_map(env->mark);
    for (const YamlPtr& item : env->items) {
      const std::string& entry = require_scalar(item, field + ".environment");
      const size_t eq = entry.find('=');
      if (eq == std::string::npos) {
        auto null_node = std::make_shared<YamlNode>();
        null_node->mark = item->mark;
        map->set(entry, null_node);
      } else {
        map->set(entry.substr(0, eq), make_scalar(entry.substr(eq + 1), item->mark));
      }
    }
    service.set("environment", map);
  }
  if (YamlPtr deps = service.get("depends_on"); deps && deps->is_sequence()) {
    YamlPtr map = make_map(deps->mark);
    for (const YamlPtr& item : deps->items) {
      YamlPtr condition = make_map(item->mark);
      condition->set("condition", make_scalar("service_started", item->mark));
      map->set(require_scalar(item, field + ".depends_on"), condition);
    }
    service.set("depends_on", map);
  }
  if (YamlPtr volumes = service.get("volumes"); volumes && volumes->is_sequence()) {
    YamlPtr map = make_map(volumes->mark);
    for (size_t i = 0; i < volumes->items.size(); ++i) {
      const std::string item_field = field + ".volumes[" + std::to_string(i) + "]";
      YamlPtr entry = long_volume(volumes->items[i], item_field);
      map->set(require_scalar(entry->get("target"), item_field + ".target"), entry);
    }
    service.set("volumes", map);
  }
  if (YamlPtr env_file = service.get("env_file"); env_file && env_file->is_scalar()) {
    auto seq = std::make_shared<YamlNode>();
    seq->kind = YamlNode::Kind::sequence;
    seq->mark = env_file->mark;
    seq->items.push_back(env_file);
    service.set("env_file", seq);
  }
}

std::vector<std::string> string_list(const YamlPtr& node, const std::string& field) {
  if (node->is_scalar()) return split_command_line(node->scalar);
  if (!node->is_sequence()) throw ConfigError(node->mark, field, "expected a string or a list of strings");
  std::vector<std::string> out;
  for (const YamlPtr& item : node->items) out.push_back(require_scalar(item, field));
  return out;
}

fs::path resolve_host_path(const std::string& path, const fs::path& base) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/") / path.substr(path.size() > 1 ? 2 : 1);
  }
  fs::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

HealthCheck parse_healthcheck(const YamlNode& node, const std::string& field, bool* disabled) {
  HealthCheck check;
  *disabled = false;
  for (const auto& [key, value] : node.entries) {
    const std::string f = field + "." + key;
    if (key == "test") {
      if (value->is_scalar()) {
        check.argv = {"/bin/sh", "-c", value->scalar};
      } else {
        std::vector<std::string> test = string_list(value, f);
        if (test.empty()) throw ConfigError(value->mark, f, "empty test");
        if (test[0] == "NONE") {
          *disabled = true;
        } else if (test[0] == "CMD" && test.size() > 1) {
          check.argv.assign(test.begin() + 1, test.end());
        } else if (test[0] == "CMD-SHELL" && test.size() == 2) {
          check.argv = {"/bin/sh", "-c", test[1]};
        } else {
          throw ConfigError(value->mark, f, "expected [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"]");
        }
      }
    } else if (key == "interval") {
      check.interval = parse_duration(require_scalar(value, f), value->mark, f);
    } else if (key == "timeout") {
      check.timeout = parse_duration(require_scalar(value, f), value->mark, f);
    } else if (key == "start_period") {
      check.start_period = parse_duration(require_scalar(value, f), value->mark, f);
    } else if (key == "start_interval") {
      parse_duration(require_scalar(value, f), value->mark, f);  // faultline probes fast while starting anyway
    } else if (key == "retries") {
      check.retries = parse_int(value, f);
    } else if (key == "disable") {
      *disabled = parse_bool(value, f);
    } else {
      throw ConfigError(value->mark, f, "unknown healthcheck key");
    }
  }
  if (!*disabled && check.argv.empty()) throw ConfigError(node.mark, field, "a healthcheck needs a test");
  return check;
}

ServiceSpec parse_service(const std::string& name, const YamlNode& node, const Project& project,
                          const std::map<std::string, std::string>& environment,
                          std::map<std::string, std::vector<std::string>>* container_keys,
                          std::vector<std::string>* warnings) {
  const std::string field = "services." + name;
  ServiceSpec spec;
  spec.name = name;
  spec.hostname = name;
  spec.mark = node.mark;
  std::vector<std::string> entrypoint, command;
  std::map<std::string, std::string> from_env_files;
  for (const auto& [key, value] : node.entries) {
    const std::string f = field + "." + key;
    if (key == "command") {
      if (!value->is_null()) spec.command = command = string_list(value, f);
    } else if (key == "entrypoint") {
      if (!value->is_null()) spec.entrypoint = entrypoint = string_list(value, f);
    } else if (key == "image") {
      spec.image = require_scalar(value, f);
    } else if (key == "init") {
      spec.init = parse_bool(value, f);
    } else if (key == "environment") {
      if (value->is_null()) continue;
      if (!value->is_map()) throw ConfigError(value->mark, f, "expected a mapping or a list of KEY=VALUE");
      for (const auto& [var, var_value] : value->entries) {
        if (var_value->is_null()) {
          if (auto it = environment.find(var); it != environment.end()) spec.environment[var] = it->second;
        } else {
          spec.environment[var] = require_scalar(var_value, f + "." + var);
        }
      }
    } else if (key == "env_file") {
      for (const YamlPtr& item : value->items) {
        const fs::path path = resolve_host_path(require_scalar(item, f), project.directory);
        if (!fs::exists(path)) throw ConfigError(item->mark, f, "env file " + path.string() + " does not exist");
        for (auto& [k, v] : read_env_file(path)) from_env_files[k] = v;
      }
    } else if (key == "hostname") {
      spec.hostname = require_scalar(value, f);
    } else if (key == "working_dir") {
      spec.working_dir = require_scalar(value, f);
    } else if (key == "user") {
      spec.user = require_scalar(value, f);
    } else if (key == "volumes") {
      if (value->is_null()) continue;
      size_t index = 0;
      for (const auto& [target, entry] : value->entries) {
        const std::string vf = f + "[" + std::to_string(index++) + "]";
        if (!entry->is_map()) throw ConfigError(entry->mark, vf, "expected a volume");
        Mount mount;
        mount.target = target;
        if (target.empty() || target[0] != '/') {
          throw ConfigError(entry->mark, vf, "the target \"" + target + "\" must be an absolute path");
        }
        const YamlPtr type = entry->get("type");
        const std::string type_name = type ? require_scalar(type, vf + ".type") : "volume";
        const YamlPtr source = entry->get("source");
        const std::string source_text = source && source->is_scalar() ? source->scalar : "";
        if (YamlPtr ro = entry->get("read_only")) mount.read_only = parse_bool(ro, vf + ".read_only");
        if (type_name == "bind") {
          mount.kind = Mount::Kind::bind;
          const fs::path host = resolve_host_path(source_text, project.directory);
          if (source_text.empty() || !fs::exists(host)) {
            throw ConfigError(entry->mark, vf, "bind source " + host.string() + " does not exist");
          }
          mount.source = host.string();
        } else if (type_name == "volume") {
          mount.kind = Mount::Kind::volume;
          mount.source = source_text;
          if (!source_text.empty() &&
              std::find(project.named_volumes.begin(), project.named_volumes.end(), source_text) ==
                  project.named_volumes.end()) {
            throw ConfigError(entry->mark, vf,
                              "volume \"" + source_text + "\" is not declared in the top-level volumes");
          }
        } else if (type_name == "tmpfs") {
          mount.kind = Mount::Kind::tmpfs;
        } else {
          throw ConfigError(entry->mark, vf + ".type", "expected bind, volume or tmpfs, not \"" + type_name + "\"");
        }
        spec.mounts.push_back(mount);
      }
    } else if (key == "healthcheck") {
      if (!value->is_map()) throw ConfigError(value->mark, f, "expected a mapping");
      bool disabled = false;
      HealthCheck check = parse_healthcheck(*value, f, &disabled);
      if (!disabled) spec.healthcheck = check;
    } else if (key == "depends_on") {
      if (value->is_null()) continue;
      if (!value->is_map()) throw ConfigError(value->mark, f, "expected a list or a mapping of services");
      for (const auto& [dependency, options] : value->entries) {
        Dependency dep;
        dep.service = dependency;
        if (YamlPtr condition = options ? options->get("condition") : nullptr) {
          const std::string& c = require_scalar(condition, f + "." + dependency + ".condition");
          if (c == "service_started") {
            dep.condition = DependCondition::started;
          } else if (c == "service_healthy") {
            dep.condition = DependCondition::healthy;
          } else if (c == "service_completed_successfully") {
            dep.condition = DependCondition::completed_successfully;
          } else {
            throw ConfigError(condition->mark, f + "." + dependency + ".condition",
                              "expected service_started, service_healthy or "
                              "service_completed_successfully, not \"" + c + "\"");
          }
        }
        spec.depends_on.push_back(dep);
      }
    } else if (key == "x-faultline") {
      spec.x_faultline = value;
    } else if (is_extension(key)) {
      // other tools' extensions
    } else if (kContainerKeys.count(key)) {
      (*container_keys)[key].push_back(name);
    } else {
      warnings->push_back(value->mark.to_string() + ": " + f + ": unknown key, ignored");
    }
  }
  for (auto& [k, v] : from_env_files) spec.environment.try_emplace(k, v);
  spec.argv = entrypoint;
  spec.argv.insert(spec.argv.end(), command.begin(), command.end());
  return spec;
}

}  // namespace

void require_local_commands(const Project& project) {
  for (const auto& [name, spec] : project.services) {
    if (!spec.argv.empty()) continue;
    if (!spec.image.empty()) {
      throw ConfigError(spec.mark, "services." + name,
                        "no command: the local backend runs programs of this machine and cannot take one from "
                        "image " + spec.image + "; run the file as it is with --backend docker (or "
                        "x-faultline: {backend: docker}), or give the service a command:");
    }
    throw ConfigError(spec.mark, "services." + name,
                      "no command: the local backend runs programs of this machine; give the service a "
                      "command: (or an entrypoint:), or an image: and --backend docker");
  }
}

namespace {

// Dependencies first; ties by name. Throws on unknown services and on cycles.
std::vector<std::string> start_order(const std::map<std::string, ServiceSpec>& services) {
  for (const auto& [name, spec] : services) {
    for (const Dependency& dep : spec.depends_on) {
      if (!services.count(dep.service)) {
        throw ConfigError(spec.mark, "services." + name + ".depends_on",
                          "unknown service \"" + dep.service + "\"");
      }
    }
  }
  std::vector<std::string> order;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (state[name] == 2) return;
    if (state[name] == 1) {
      std::string cycle;
      auto from = std::find(path.begin(), path.end(), name);
      for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
      throw ConfigError(services.at(name).mark, "services." + name + ".depends_on",
                        "dependency cycle: " + cycle + name);
    }
    state[name] = 1;
    path.push_back(name);
    for (const Dependency& dep : services.at(name).depends_on) visit(dep.service);
    path.pop_back();
    state[name] = 2;
    order.push_back(name);
  };
  for (const auto& [name, spec] : services) visit(name);
  return order;
}

std::string normalize_project_name(std::string name) {
  std::string out;
  for (char c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') out.push_back(c);
  }
  return out.empty() ? "default" : out;
}

}  // namespace

Duration parse_duration(const std::string& text, const SourceMark& mark, const std::string& field) {
  const auto bad = [&] {
    return ConfigError(mark, field, "bad duration \"" + text + "\" (use e.g. 10s, 1m30s, 500ms)");
  };
  if (text.empty()) throw bad();
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
    if (j == i) throw bad();
    // from_chars, not stod: "." and 400 digits are bad durations, not exceptions of another kind.
    double number = 0;
    const auto [end, error] = std::from_chars(text.data() + i, text.data() + j, number);
    if (error != std::errc() || end != text.data() + j) throw bad();
    size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    const std::string unit = text.substr(j, k - j);
    double scale;
    if (unit == "h") scale = 3600e3;
    else if (unit == "m") scale = 60e3;
    else if (unit == "s") scale = 1e3;
    else if (unit == "ms") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e-3;
    else if (unit == "ns") scale = 1e-6;
    else throw bad();
    total_ms += number * scale;
    i = k;
  }
  return Duration(static_cast<int64_t>(total_ms));
}

std::vector<std::string> split_command_line(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word.push_back(c);
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < text.size() && std::string("\\\"$`").find(text[i + 1]) != std::string::npos) word.push_back(text[++i]);
      else word.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word.push_back(text[++i]);
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

std::vector<fs::path> find_compose_files(const fs::path& directory) {
  for (const char* name : {"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}) {
    const fs::path base = directory / name;
    if (!fs::exists(base)) continue;
    std::vector<fs::path> files{base};
    const std::string stem = base.stem().string();
    for (const char* ext : {".override.yaml", ".override.yml"}) {
      if (fs::exists(directory / (stem + ext))) {
        files.push_back(directory / (stem + ext));
        break;
      }
    }
    return files;
  }
  throw ConfigError({directory.string(), 0, 0}, "",
                    "no compose file here (looked for compose.yaml, compose.yml, docker-compose.yaml, "
                    "docker-compose.yml)");
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

Project load_project(const std::vector<fs::path>& files, const std::map<std::string, std::string>& environment) {
  if (files.empty()) throw ConfigError("no compose file given");
  Project project;
  project.files = files;
  project.directory = fs::absolute(files.front()).lexically_normal().parent_path();

  std::map<std::string, std::string> variables;
  if (const fs::path dotenv = project.directory / ".env"; fs::exists(dotenv)) variables = read_env_file(dotenv);
  for (const auto& [k, v] : environment) variables[k] = v;
  const VariableLookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };

  YamlPtr merged;
  for (const fs::path& file : files) {
    YamlPtr doc = load_yaml_file(file);
    if (doc->is_null()) continue;
    if (!doc->is_map()) throw ConfigError(doc->mark, "", "a compose file must be a mapping");
    interpolate_tree(*doc, lookup);
    if (YamlPtr services = doc->get("services"); services && services->is_map()) {
      for (auto& [name, service] : services->entries) {
        if (!service->is_map()) throw ConfigError(service->mark, "services." + name, "expected a mapping");
        normalize_service(*service, "services." + name);
      }
    }
    merged = merge_yaml(merged, doc);
  }
  if (!merged) throw ConfigError({files.front().string(), 0, 0}, "", "the compose file is empty");

  for (const auto& [key, value] : merged->entries) {
    if (key == "x-faultline") project.x_faultline = value;
    if (!kTopLevelKeys.count(key) && !is_extension(key)) {
      project.warnings.push_back(value->mark.to_string() + ": " + key + ": unknown key, ignored");
    }
  }
  // Compose's order: COMPOSE_PROJECT_NAME, then the top-level name, then the folder's name.
  if (auto it = environment.find("COMPOSE_PROJECT_NAME"); it != environment.end() && !it->second.empty()) {
    project.name = normalize_project_name(it->second);
  } else if (YamlPtr name = merged->get("name"); name && name->is_scalar()) {
    project.name = normalize_project_name(name->scalar);
  } else {
    project.name = normalize_project_name(project.directory.filename().string());
  }
  if (YamlPtr volumes = merged->get("volumes"); volumes && volumes->is_map()) {
    for (const auto& [name, value] : volumes->entries) project.named_volumes.push_back(name);
  }
  const YamlPtr services = merged->get("services");
  if (!services || !services->is_map() || services->entries.empty()) {
    throw ConfigError(merged->mark, "services", "no services defined");
  }
  std::map<std::string, std::vector<std::string>> container_keys;
  for (const auto& [name, service] : services->entries) {
    project.services.emplace(name, parse_service(name, *service, project, environment, &container_keys,
                                                 &project.warnings));
  }
  if (!container_keys.empty()) {
    std::string note = "faultline ignores container settings:";
    for (const auto& [key, names] : container_keys) {
      note += " " + key + " (";
      for (size_t i = 0; i < names.size(); ++i) note += (i ? ", " : "") + names[i];
      note += ")";
    }
    project.warnings.push_back(note);
  }
  project.start_order = start_order(project.services);
  return project;
}

std::vector<fs::path> compose_files(const std::vector<fs::path>& named, const fs::path& directory) {
  if (named.empty()) return find_compose_files(directory);
  for (const fs::path& file : named) {
    if (!fs::exists(file)) throw ConfigError({file.string(), 0, 0}, "", "no such file");
  }
  return named;
}

Project load_project(const std::vector<fs::path>& named, const fs::path& directory, const std::string& project_name) {
  std::map<std::string, std::string> environment = process_environment();
  if (!project_name.empty()) environment["COMPOSE_PROJECT_NAME"] = project_name;
  return load_project(compose_files(named, directory), environment);
}

}  // namespace faultline::env
