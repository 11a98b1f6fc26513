#include "config.h"

#include <stdexcept>

namespace faultline::faults {
namespace {

std::set<FaultKind> of_type(const char* type) {
  std::set<FaultKind> kinds;
  for (FaultKind kind : all_fault_kinds()) {
    if (std::string(type_of(kind)) == type) kinds.insert(kind);
  }
  return kinds;
}

// The names in a YAML list of scalars, or in one comma-separated scalar.
std::vector<std::string> names_of(const env::YamlNode& node, const std::string& field) {
  std::vector<std::string> names;
  if (node.is_scalar()) {
    names.push_back(node.scalar);
    return names;
  }
  if (!node.is_sequence()) throw env::ConfigError(node.mark, field, "expected a list of names");
  for (const env::YamlPtr& item : node.items) {
    if (!item->is_scalar()) throw env::ConfigError(item->mark, field, "expected a name");
    names.push_back(item->scalar);
  }
  return names;
}

double positive_number(const env::YamlNode& node, const std::string& field) {
  try {
    size_t used = 0;
    const double value = node.is_scalar() ? std::stod(node.scalar, &used) : -1;
    if (used == node.scalar.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw env::ConfigError(node.mark, field, "expected a number of faults per minute, 0 or more");
}

}  // namespace

std::set<FaultKind> default_fault_kinds() {
  std::set<FaultKind> kinds = of_type("network");
  kinds.insert(FaultKind::pause);
  kinds.insert(FaultKind::custom);
  return kinds;
}

std::set<FaultKind> parse_fault_kinds(const std::string& text) {
  std::set<FaultKind> kinds;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string word = text.substr(start, comma - start);
    start = comma + 1;
    if (word == "none") continue;
    if (word == "all") {
      kinds.insert(all_fault_kinds().begin(), all_fault_kinds().end());
    } else if (word == "network" || word == "node" || word == "clock") {
      const std::set<FaultKind> type = of_type(word.c_str());
      kinds.insert(type.begin(), type.end());
    } else if (const std::optional<FaultKind> kind = fault_kind(word)) {
      kinds.insert(*kind);
    } else {
      std::string known = "none, all, network, node, clock";
      for (FaultKind k : all_fault_kinds()) known += std::string(", ") + to_string(k);
      throw std::invalid_argument("unknown fault kind \"" + word + "\" (kinds: " + known + ")");
    }
  }
  return kinds;
}

FaultConfig fault_config_of(const env::Project& project) {
  FaultConfig config;
  config.kinds = default_fault_kinds();
  if (!project.x_faultline || !project.x_faultline->is_map()) return config;
  const env::YamlPtr faults = project.x_faultline->get("faults");
  if (!faults) return config;
  const std::string base = "x-faultline.faults";
  if (!faults->is_map()) throw env::ConfigError(faults->mark, base, "expected a mapping");
  for (const auto& [key, value] : faults->entries) {
    const std::string field = base + "." + key;
    if (key == "kinds") {
      std::string text;
      for (const std::string& name : names_of(*value, field)) text += (text.empty() ? "" : ",") + name;
      try {
        config.kinds = parse_fault_kinds(text);
      } catch (const std::invalid_argument& e) {
        throw env::ConfigError(value->mark, field, e.what());
      }
    } else if (key == "rate") {
      config.rate_per_minute = positive_number(*value, field);
    } else if (key == "min_duration" || key == "max_duration") {
      if (!value->is_scalar()) throw env::ConfigError(value->mark, field, "expected a duration");
      (key == "min_duration" ? config.min_duration : config.max_duration) = env::parse_duration(value->scalar, value->mark, field);
    } else if (key == "targets") {
      config.targets = names_of(*value, field);
    } else if (key == "exclude") {
      config.exclude = names_of(*value, field);
    } else {
      throw env::ConfigError(value->mark, field, "unknown key (kinds, rate, min_duration, max_duration, targets, exclude)");
    }
  }
  if (config.min_duration > config.max_duration) {
    throw env::ConfigError(faults->mark, base, "min_duration is longer than max_duration");
  }
  return config;
}

std::vector<std::string> fault_targets(const FaultConfig& config, const env::Project& project,
                                       const std::set<std::string>& test_holders) {
  for (const auto& list : {config.targets, config.exclude}) {
    for (const std::string& name : list) {
      if (!project.services.count(name)) {
        throw env::ConfigError("x-faultline.faults: no service named \"" + name + "\"");
      }
    }
  }
  std::vector<std::string> targets;
  for (const auto& [name, spec] : project.services) {
    const bool named = config.targets.empty() ? !test_holders.count(name)
                                              : std::find(config.targets.begin(), config.targets.end(), name) != config.targets.end();
    const bool excluded = std::find(config.exclude.begin(), config.exclude.end(), name) != config.exclude.end();
    if (named && !excluded) targets.push_back(name);
  }
  return targets;
}

}  // namespace faultline::faults
