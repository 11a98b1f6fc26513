#include "interpolate.h"

#include <cctype>
#include <fstream>

namespace faultline::env {
namespace {

bool is_name_char(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// Expands the inside of ${...}.
std::string expand_braced(const std::string& expr, const VariableLookup& lookup, const SourceMark& mark,
                          const std::string& field) {
  size_t i = 0;
  while (i < expr.size() && is_name_char(expr[i], i == 0)) ++i;
  const std::string name = expr.substr(0, i);
  if (name.empty()) throw ConfigError(mark, field, "bad variable expression ${" + expr + "}");
  const std::optional<std::string> value = lookup(name);
  if (i == expr.size()) return value.value_or("");
  const bool colon = expr[i] == ':';
  const size_t op_at = colon ? i + 1 : i;
  if (op_at >= expr.size()) throw ConfigError(mark, field, "bad variable expression ${" + expr + "}");
  const char op = expr[op_at];
  // Nested interpolation in the default, error or replacement text, as compose allows.
  const std::string rest = interpolate(expr.substr(op_at + 1), lookup, mark, field);
  const bool missing = !value.has_value() || (colon && value->empty());
  switch (op) {
    case '-': return missing ? rest : *value;
    case '?':
      if (missing) {
        throw ConfigError(mark, field,
                          "required variable " + name + " is " + (value ? "empty" : "not set") +
                              (rest.empty() ? "" : ": " + rest));
      }
      return *value;
    case '+': return missing ? "" : rest;
    default: throw ConfigError(mark, field, "bad variable expression ${" + expr + "}");
  }
}

}  // namespace

std::string interpolate(const std::string& text, const VariableLookup& lookup, const SourceMark& mark,
                        const std::string& field) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out.push_back('$');
      ++i;
    } else if (i + 1 < text.size() && text[i + 1] == '{') {
      // Find the matching brace, allowing nested ${...} in defaults.
      int depth = 1;
      size_t j = i + 2;
      for (; j < text.size() && depth > 0; ++j) {
        if (text[j] == '{') ++depth;
        if (text[j] == '}') --depth;
      }
      if (depth != 0) throw ConfigError(mark, field, "unclosed ${ in \"" + text + "\"");
      out += expand_braced(text.substr(i + 2, j - i - 3), lookup, mark, field);
      i = j - 1;
    } else if (i + 1 < text.size() && is_name_char(text[i + 1], true)) {
      size_t j = i + 1;
      while (j < text.size() && is_name_char(text[j], j == i + 1)) ++j;
      out += lookup(text.substr(i + 1, j - i - 1)).value_or("");
      i = j - 1;
    } else {
      out.push_back('$');
    }
  }
  return out;
}

void interpolate_tree(YamlNode& node, const VariableLookup& lookup, const std::string& field) {
  switch (node.kind) {
    case YamlNode::Kind::scalar: node.scalar = interpolate(node.scalar, lookup, node.mark, field); break;
    case YamlNode::Kind::sequence:
      for (size_t i = 0; i < node.items.size(); ++i) {
        interpolate_tree(*node.items[i], lookup, field + "[" + std::to_string(i) + "]");
      }
      break;
    case YamlNode::Kind::map:
      for (auto& [key, value] : node.entries) {
        interpolate_tree(*value, lookup, field.empty() ? key : field + "." + key);
      }
      break;
    case YamlNode::Kind::null: break;
  }
}

std::map<std::string, std::string> read_env_file(const std::filesystem::path& path) {
  std::map<std::string, std::string> vars;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      throw ConfigError({path.string(), number, 1}, "", "expected KEY=VALUE");
    }
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const size_t hash = value.find(" #"); hash != std::string::npos) {
      value = value.substr(0, hash);
    }
    vars[key] = value;
  }
  return vars;
}

}  // namespace faultline::env
