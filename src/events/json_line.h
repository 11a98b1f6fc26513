// One line of JSON from outside faultline's control (an SDK's output, events.jsonl read back, an
// operation history): read into a value, or told what is wrong with it, never an exception, and
// never a value too deep for nlohmann-json's recursive copy, comparison and dump (100,000 nested
// arrays would overflow the stack there, though its parser itself is iterative).
#ifndef FAULTLINE_SRC_EVENTS_JSON_LINE_H_
#define FAULTLINE_SRC_EVENTS_JSON_LINE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/schema.h"

namespace faultline::events {

// The longest line read as JSON; a longer one is a problem, and its readers keep only its start
// (docs/run-directory.md).
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;
// The deepest nesting of arrays and objects accepted.
inline constexpr int kMaxDepth = 64;
// How much of a rejected line's text is kept to show where it went wrong.
inline constexpr size_t kRejectedTextKept = 4096;

struct JsonLine {
  Json value;            // the object; null when `problem` is set
  std::string problem;   // "" when the line is a JSON object within the limits; else why not
};

// A line a reader could not take, and why: what summaries and reports show.
struct LineProblem {
  std::string file;
  uint64_t line = 0;  // from 1
  std::string problem;
};

// Reads `text` (one line, without its newline) as a JSON object within kMaxLineBytes and kMaxDepth;
// `full_bytes`, when larger than the text, is the line's length before its reader cut it.
// Problems: "not JSON (column N)", "invalid UTF-8 (column N)", "not a JSON object",
// "nested deeper than 64 levels", "longer than 1048576 bytes".
JsonLine read_json_line(std::string_view text, size_t full_bytes = 0);

// `text` cut to kRejectedTextKept bytes, with a marker saying how long it was when it was cut
// (`full_bytes`, when larger than the text: its length before an earlier cut).
std::string kept_text(std::string_view text, size_t full_bytes = 0);

}  // namespace faultline::events

#endif  // FAULTLINE_SRC_EVENTS_JSON_LINE_H_
