// Text from the system under test (assertion messages and details, log lines, names, values of
// histories) is untrusted: on a terminal, a control sequence in it could retitle, recolour or clear
// the user's terminal, or worse. Every printer of such text passes it through here first.
#ifndef FAULTLINE_SRC_REPORT_INERT_TEXT_H_
#define FAULTLINE_SRC_REPORT_INERT_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace faultline::report {

struct InertOptions {
  bool keep_newlines = false;  // for text of several lines (faultline's own line breaks)
  size_t max_bytes = 4096;     // longer text is shortened to this (at least 16)
  bool keep_end = true;        // shortened: its start and its end around a marker; else its start and "..."
};

// `text` as plain characters: every control character shown as an escape (`\x1b`, `\r`, `\a`,
// `\0`, `\x7f`, C1 controls and bidirectional overrides as `\u009b`, `\u202e`; a tab stays a tab,
// a newline only with keep_newlines), invalid UTF-8 as U+FFFD, and over-long text shortened.
std::string inert(std::string_view text, const InertOptions& options = {});

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_INERT_TEXT_H_
