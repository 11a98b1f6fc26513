#include "history_drawing.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace faultline::report {

using check::Operation;

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&#39;";
    else out.push_back(c);
  }
  return out;
}

std::string history_html(const std::string& file, const check::Model& model, const std::vector<check::Operation>& ops,
                         const check::CheckResult& result) {
  std::map<int64_t, int> lanes;
  uint32_t last = 0;
  for (const Operation& op : ops) {
    lanes.try_emplace(op.process, 0);
    last = std::max(last, op.ret == Operation::kNever ? op.call : op.ret);
  }
  int lane = 0;
  for (auto& [process, index] : lanes) index = lane++;
  const double scale = 1200.0 / (last + 2);
  std::map<size_t, size_t> order;
  for (size_t k = 0; k < result.counterexample.partial.size(); ++k) order[result.counterexample.partial[k]] = k;
  const std::set<size_t> blocked(result.counterexample.blocked.begin(), result.counterexample.blocked.end());
  const std::set<size_t> minimal(result.counterexample.minimal.begin(), result.counterexample.minimal.end());
  std::string svg;
  for (const auto& [process, index] : lanes) {
    svg += fmt::format("<text x='0' y='{}' class='lane'>client {}</text>", 40 + index * 36, process);
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    const double x = 80 + op.call * scale;
    const double end = op.ret == Operation::kNever ? 80 + (last + 1) * scale : 80 + op.ret * scale;
    const int y = 24 + lanes[op.process] * 36;
    const char* cls = blocked.count(i) ? "blocked" : order.count(i) ? "linearized" : op.unknown ? "unknown" : "other";
    std::string label = html_escape(model.describe(op));
    if (order.count(i)) {
      label = fmt::format("#{} {} &#8594; {}", order[i] + 1, label, html_escape(result.counterexample.states[order[i]]));
    }
    svg += fmt::format("<g class='{}{}'><title>{}</title><rect x='{:.1f}' y='{}' width='{:.1f}' height='24' rx='3'/>"
                       "<text x='{:.1f}' y='{}'>{}</text></g>",
                       cls, minimal.count(i) ? " minimal" : "", label, x, y, std::max(end - x, 4.0), x + 3, y + 16,
                       order.count(i) ? fmt::format("#{}", order[i] + 1) : "");
  }
  std::ostringstream out;
  out << "<!doctype html><html><head><meta charset='utf-8'><title>faultline check: " << html_escape(file)
      << "</title><style>body{font:14px sans-serif;margin:20px} .lane{font-weight:bold}"
         " rect{stroke:#444;stroke-width:1} .linearized rect{fill:#b7e4b7} .blocked rect{fill:#f4a6a6}"
         " .unknown rect{fill:#eee;stroke-dasharray:4} .other rect{fill:#ddd} .minimal rect{stroke:#c00;stroke-width:3}"
         " text{font-size:11px}</style></head><body>"
      << "<h1>" << html_escape(file) << ": " << check::to_string(result.verdict) << "</h1>"
      << "<p>Green: the longest partial linearization, in order (hover for the state after each). Red: operations"
         " that could not come next. Outlined: a minimal set of operations that cannot be ordered. Dashed: unknown"
         " outcome.</p><svg width='1320' height='" << 60 + lane * 36 << "'>" << svg << "</svg></body></html>\n";
  return out.str();
}

}  // namespace faultline::report
