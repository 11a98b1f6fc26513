#include "yaml_tree.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace faultline::env {

YamlPtr YamlNode::get(const std::string& key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return v;
  }
  return nullptr;
}

void YamlNode::set(const std::string& key, YamlPtr value) {
  for (auto& [k, v] : entries) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(key, std::move(value));
}

YamlPtr YamlNode::clone() const {
  auto copy = std::make_shared<YamlNode>(*this);
  for (auto& item : copy->items) item = item->clone();
  for (auto& [k, v] : copy->entries) v = v->clone();
  return copy;
}

namespace {

SourceMark mark_of(const YAML::Node& node, const std::string& file) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

// Compose files nest a few levels and hold a few thousand nodes. The limits keep the recursion
// below off the end of the stack, and aliases of aliases (each expanded here) from growing
// exponentially.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 100000;

struct Budget {
  size_t nodes = 0;
};

YamlPtr convert(const YAML::Node& node, const std::string& file, Budget& budget, int depth = 0);

// Applies YAML merge keys: `<<: *anchor` or `<<: [*a, *b]` copy the entries the map does not set
// itself; with several sources, earlier ones win.
void apply_merge_key(YamlNode& map, const YamlPtr& merge_value) {
  std::vector<YamlPtr> sources;
  if (merge_value->is_map()) {
    sources.push_back(merge_value);
  } else if (merge_value->is_sequence()) {
    sources = merge_value->items;
  } else {
    throw ConfigError(merge_value->mark, "<<", "a merge key needs a mapping or a list of mappings");
  }
  for (const YamlPtr& source : sources) {
    if (!source->is_map()) {
      throw ConfigError(source->mark, "<<", "a merge key needs a mapping or a list of mappings");
    }
    for (const auto& [key, value] : source->entries) {
      if (!map.get(key)) map.entries.emplace_back(key, value->clone());
    }
  }
}

YamlPtr convert(const YAML::Node& node, const std::string& file, Budget& budget, int depth) {
  auto out = std::make_shared<YamlNode>();
  out->mark = mark_of(node, file);
  if (depth > kMaxDepth) throw ConfigError(out->mark, "", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (++budget.nodes > kMaxNodes) {
    throw ConfigError(out->mark, "", "more than " + std::to_string(kMaxNodes) + " nodes once its aliases are expanded");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->kind = YamlNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      out->kind = YamlNode::Kind::scalar;
      out->scalar = node.Scalar();
      break;
    case YAML::NodeType::Sequence:
      out->kind = YamlNode::Kind::sequence;
      for (const auto& item : node) out->items.push_back(convert(item, file, budget, depth + 1));
      break;
    case YAML::NodeType::Map: {
      out->kind = YamlNode::Kind::map;
      YamlPtr merge_value;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw ConfigError(mark_of(entry.first, file), "", "mapping keys must be plain strings");
        }
        const std::string key = entry.first.Scalar();
        YamlPtr value = convert(entry.second, file, budget, depth + 1);
        if (key == "<<") {
          merge_value = value;
        } else if (out->get(key)) {
          throw ConfigError(mark_of(entry.first, file), key, "duplicate key");
        } else {
          out->entries.emplace_back(key, value);
        }
      }
      if (merge_value) apply_merge_key(*out, merge_value);
      break;
    }
  }
  return out;
}

YamlPtr parse(std::istream& in, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(in);
    Budget budget;
    return convert(root, name, budget);
  } catch (const YAML::Exception& e) {
    throw ConfigError({name, e.mark.line + 1, e.mark.column + 1}, "", "YAML error: " + e.msg);
  }
}

}  // namespace

YamlPtr load_yaml_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError({path.string(), 0, 0}, "", "cannot read the file");
  return parse(in, path.string());
}

YamlPtr load_yaml_text(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  return parse(in, name);
}

YamlPtr merge_yaml(const YamlPtr& base, const YamlPtr& override_node) {
  if (!base || base->is_null()) return override_node ? override_node->clone() : base;
  if (!override_node) return base->clone();
  if (!base->is_map() || !override_node->is_map()) return override_node->clone();
  YamlPtr merged = base->clone();
  for (const auto& [key, value] : override_node->entries) {
    const YamlPtr existing = merged->get(key);
    merged->set(key, existing ? merge_yaml(existing, value) : value->clone());
  }
  return merged;
}

}  // namespace faultline::env
