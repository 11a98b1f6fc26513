// A checked history drawn as Porcupine's visualizer draws it: one lane per client, each operation a
// bar from its call to its return, the longest partial linearization numbered in order, what could
// not come next in red, the minimal failing set outlined.
#ifndef FAULTLINE_SRC_REPORT_HISTORY_DRAWING_H_
#define FAULTLINE_SRC_REPORT_HISTORY_DRAWING_H_

#include <string>
#include <vector>

#include "check/history.h"
#include "check/linearizability.h"
#include "check/model.h"

namespace faultline::report {

// Text as HTML shows it, never as markup.
std::string html_escape(const std::string& text);

// A whole HTML page drawing `ops` (of `file`) as checked against `model`.
std::string history_html(const std::string& file, const check::Model& model, const std::vector<check::Operation>& ops,
                         const check::CheckResult& result);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_HISTORY_DRAWING_H_
