#include "json_line.h"

#include <algorithm>

namespace faultline::events {
namespace {

// Whether arrays and objects nest deeper than kMaxDepth, counted outside strings. A text that is
// not JSON at all may pass; the parser rejects it afterwards.
bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

JsonLine read_json_line(std::string_view text, size_t full_bytes) {
  JsonLine line;
  if (std::max(text.size(), full_bytes) > kMaxLineBytes) {
    line.problem = "longer than " + std::to_string(kMaxLineBytes) + " bytes";
    return line;
  }
  if (too_deep(text)) {
    line.problem = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return line;
  }
  try {
    line.value = Json::parse(text);
  } catch (const Json::parse_error& e) {
    const std::string what = e.what();
    line.problem = std::string(what.find("UTF-8") != std::string::npos ? "invalid UTF-8" : "not JSON") + " (column " +
                   std::to_string(e.byte) + ")";
    return line;
  } catch (const Json::exception& e) {
    // 1e999: out of range of a double.
    line.problem = std::string("not JSON (") + e.what() + ")";
    return line;
  }
  if (!line.value.is_object()) {
    line.value = nullptr;
    line.problem = "not a JSON object";
  }
  return line;
}

std::string kept_text(std::string_view text, size_t full_bytes) {
  full_bytes = std::max(full_bytes, text.size());
  if (full_bytes <= kRejectedTextKept) return std::string(text);
  return std::string(text.substr(0, kRejectedTextKept)) + "... [cut: " + std::to_string(full_bytes) + " bytes in all]";
}

}  // namespace faultline::events
