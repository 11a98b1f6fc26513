// Errors in a user's configuration, with the place they come from.
#ifndef FAULTLINE_SRC_ENV_CONFIG_ERROR_H_
#define FAULTLINE_SRC_ENV_CONFIG_ERROR_H_

#include <stdexcept>
#include <string>

namespace faultline::env {

// Where something was written: file, 1-based line and column (0 when unknown).
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:column", or as much of it as is known.
  std::string to_string() const;
};

// A configuration error: `what()` is one line naming the file, line and field, ready to print.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const SourceMark& mark, const std::string& field, const std::string& message);
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_CONFIG_ERROR_H_
