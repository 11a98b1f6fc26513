// Compose's variable interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}, and $$ for a literal $.
#ifndef FAULTLINE_SRC_ENV_INTERPOLATE_H_
#define FAULTLINE_SRC_ENV_INTERPOLATE_H_

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "yaml_tree.h"

namespace faultline::env {

// Looks a variable up; nullopt when it is not set.
using VariableLookup = std::function<std::optional<std::string>(const std::string&)>;

// Interpolates one string. Throws ConfigError (with `mark` and `field`) for ${VAR:?error} on an
// unset variable and for malformed expressions.
std::string interpolate(const std::string& text, const VariableLookup& lookup, const SourceMark& mark,
                        const std::string& field);

// Interpolates every scalar of a tree in place (keys are left alone, as compose does).
void interpolate_tree(YamlNode& node, const VariableLookup& lookup, const std::string& field = "");

// Reads a .env file (KEY=VALUE lines, # comments, optional quotes, `export ` prefix).
std::map<std::string, std::string> read_env_file(const std::filesystem::path& path);

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_INTERPOLATE_H_
