#include "config_error.h"

namespace faultline::env {

std::string SourceMark::to_string() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (line > 0 && column > 0) s += ":" + std::to_string(column);
  return s;
}

namespace {
std::string format(const SourceMark& mark, const std::string& field, const std::string& message) {
  std::string s = mark.to_string();
  if (!s.empty()) s += ": ";
  if (!field.empty()) s += field + ": ";
  return s + message;
}
}  // namespace

ConfigError::ConfigError(const SourceMark& mark, const std::string& field, const std::string& message)
    : std::runtime_error(format(mark, field, message)) {}

}  // namespace faultline::env
