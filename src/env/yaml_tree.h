// A YAML document as a plain tree that remembers where each node was written, with YAML merge
// keys (<<) resolved. Compose files are read into this tree, interpolated and merged before they
// are interpreted.
#ifndef FAULTLINE_SRC_ENV_YAML_TREE_H_
#define FAULTLINE_SRC_ENV_YAML_TREE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config_error.h"

namespace faultline::env {

struct YamlNode;
using YamlPtr = std::shared_ptr<YamlNode>;

struct YamlNode {
  enum class Kind { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string scalar;                                 // Kind::scalar
  std::vector<YamlPtr> items;                         // Kind::sequence
  std::vector<std::pair<std::string, YamlPtr>> entries;  // Kind::map, in file order
  SourceMark mark;

  bool is_map() const { return kind == Kind::map; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_null() const { return kind == Kind::null; }

  // The value of `key` in a map, or null.
  YamlPtr get(const std::string& key) const;
  // Sets `key` (replacing or appending).
  void set(const std::string& key, YamlPtr value);
  // A deep copy (aliases in the source share nodes; copies never do).
  YamlPtr clone() const;
};

// Parses one YAML file; YAML errors become ConfigError with the file's line and column.
YamlPtr load_yaml_file(const std::filesystem::path& path);

// Parses YAML text (for tests); `name` stands for the file in marks.
YamlPtr load_yaml_text(const std::string& text, const std::string& name);

// Deep-merges `override_node` into `base` by compose's rules for maps: maps merge key by key,
// everything else is replaced. Returns the merged tree (the inputs are not modified).
YamlPtr merge_yaml(const YamlPtr& base, const YamlPtr& override_node);

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_YAML_TREE_H_
