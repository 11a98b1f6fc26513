// Reading histories: Jepsen's EDN, the jepsen.util log lines, and faultline's own JSON lines.
#ifndef FAULTLINE_SRC_CHECK_PARSE_H_
#define FAULTLINE_SRC_CHECK_PARSE_H_

#include <filesystem>
#include <stdexcept>
#include <string>

#include "check/history.h"

namespace faultline::check {

enum class Format { automatic, jepsen_log, edn, faultline };

// "auto", "jepsen-log", "edn", "faultline"; throws std::invalid_argument otherwise.
Format parse_format(const std::string& name);

// A history that cannot be read: what() names the file and line.
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& file, int line, const std::string& message);
};

// Tells the formats apart by content: jepsen.util lines, JSON objects, or EDN.
Format detect_format(const std::string& text);

// Parses a whole history; `name` stands for the file in errors. Events that are not client
// operations (a nemesis's, SDK header lines) are skipped.
History parse_history(const std::string& text, Format format, const std::string& name);

// Reads and parses a file.
History load_history(const std::filesystem::path& path, Format format);

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_PARSE_H_
