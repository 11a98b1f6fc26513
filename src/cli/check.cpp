#include "check.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "check/linearizability.h"
#include "check/parse.h"
#include "env/compose.h"

namespace faultline::cli {
namespace {

using check::Operation;

// Long values (a kv value after hundreds of appends) shortened for a terminal line: their start,
// and their end, where the latest appends are; --json and --html keep them whole.
std::string shorten(const std::string& text) {
  constexpr size_t kHead = 24, kTail = 72;
  if (text.size() <= kHead + kTail + 16) return text;
  return fmt::format("{} ...({} characters)... {}", text.substr(0, kHead), text.size() - kHead - kTail,
                     text.substr(text.size() - kTail));
}

std::string describe(const check::Model& model, const Operation& op) {
  return fmt::format("process {} {} (line {})", op.process, shorten(model.describe(op)), op.line);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out.push_back(c);
  }
  return out;
}

// The history as Porcupine's visualizer draws it: one lane per client, each operation a bar from
// its call to its return, the longest partial linearization numbered in order, what could not come
// next in red, the minimal failing set outlined.
void write_html(const std::string& path, const std::string& file, const check::Model& model,
                const std::vector<Operation>& ops, const check::CheckResult& result) {
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
  std::ofstream out(path);
  out << "<!doctype html><html><head><meta charset='utf-8'><title>faultline check: " << html_escape(file)
      << "</title><style>body{font:14px sans-serif;margin:20px} .lane{font-weight:bold}"
         " rect{stroke:#444;stroke-width:1} .linearized rect{fill:#b7e4b7} .blocked rect{fill:#f4a6a6}"
         " .unknown rect{fill:#eee;stroke-dasharray:4} .other rect{fill:#ddd} .minimal rect{stroke:#c00;stroke-width:3}"
         " text{font-size:11px}</style></head><body>"
      << "<h1>" << html_escape(file) << ": " << check::to_string(result.verdict) << "</h1>"
      << "<p>Green: the longest partial linearization, in order (hover for the state after each). Red: operations"
         " that could not come next. Outlined: a minimal set of operations that cannot be ordered. Dashed: unknown"
         " outcome.</p><svg width='1320' height='" << 60 + lane * 36 << "'>" << svg << "</svg></body></html>\n";
}

}  // namespace

int check_command(const CheckCommandOptions& options) {
  const std::unique_ptr<check::Model> model = check::make_model(options.model);
  if (!model) {
    fmt::print(stderr, "faultline check: unknown model \"{}\" (models: {})\n", options.model, check::model_names());
    return 2;
  }
  check::Format format;
  try {
    format = check::parse_format(options.format);
  } catch (const std::exception& e) {
    fmt::print(stderr, "faultline check: {}\n", e.what());
    return 2;
  }
  check::CheckOptions check_options;
  check_options.partition = options.partition;
  check_options.timeout = env::parse_duration(options.timeout, {}, "--timeout");
  bool illegal = false, undecided = false, errors = false, drawn = false;
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& file : options.files) {
    std::vector<Operation> ops;
    check::CheckResult result;
    try {
      ops = check::pair_operations(check::load_history(file, format));
      result = check::check_linearizability(ops, *model, check_options);
    } catch (const check::ParseError& e) {
      fmt::print(stderr, "{}\n", e.what());
      errors = true;
      continue;
    } catch (const std::exception& e) {
      // Messages of pairing and models start with "line N: ".
      const std::string what = e.what();
      fmt::print(stderr, "{}:{}\n", file, what.rfind("line ", 0) == 0 ? what.substr(5) : " " + what);
      errors = true;
      continue;
    }
    if (options.json) {
      nlohmann::json r = {{"file", file},
                          {"verdict", ops.empty() ? "empty" : check::to_string(result.verdict)},
                          {"operations", result.operations},
                          {"partitions", result.partitions},
                          {"seconds", result.seconds}};
      if (result.verdict == check::Verdict::not_linearizable) {
        nlohmann::json partial = nlohmann::json::array(), minimal = nlohmann::json::array();
        for (size_t k = 0; k < result.counterexample.partial.size(); ++k) {
          partial.push_back({{"operation", model->describe(ops[result.counterexample.partial[k]])},
                             {"line", ops[result.counterexample.partial[k]].line},
                             {"state", result.counterexample.states[k]}});
        }
        for (size_t i : result.counterexample.minimal) minimal.push_back({{"operation", model->describe(ops[i])}, {"line", ops[i].line}});
        r["partial_linearization"] = partial;
        r["minimal_set"] = minimal;
      }
      results.push_back(r);
    }
    if (ops.empty()) {
      if (!options.json) fmt::print("{}: empty history\n", file);
      continue;
    }
    if (!options.json) {
      fmt::print("{}: {} ({} operations, {} partition{}, {:.1f} ms)\n", file, check::to_string(result.verdict),
                 result.operations, result.partitions, result.partitions == 1 ? "" : "s", result.seconds * 1000);
    }
    if (result.verdict == check::Verdict::not_linearizable) {
      illegal = true;
      if (!options.json) {
        const check::Counterexample& c = result.counterexample;
        if (!c.minimal.empty()) {
          if (c.minimal.size() == 1) {
            fmt::print("  this operation cannot be ordered:\n");
          } else {
            fmt::print("  these {} operations cannot be ordered:\n", c.minimal.size());
          }
          for (size_t i : c.minimal) fmt::print("    {}\n", describe(*model, ops[i]));
        }
        fmt::print("  longest partial linearization ({} operation{}):\n", c.partial.size(), c.partial.size() == 1 ? "" : "s");
        const size_t from = c.partial.size() > 10 ? c.partial.size() - 10 : 0;
        if (from > 0) fmt::print("    ... {} more before\n", from);
        for (size_t k = from; k < c.partial.size(); ++k) {
          fmt::print("    {}. {}  => {}\n", k + 1, describe(*model, ops[c.partial[k]]), shorten(c.states[k]));
        }
        for (size_t i : c.blocked) fmt::print("  cannot come next: {}\n", describe(*model, ops[i]));
      }
      if (!options.html.empty() && !drawn) {
        write_html(options.html, file, *model, ops, result);
        drawn = true;
      }
    } else if (result.verdict == check::Verdict::unknown) {
      undecided = true;
    }
  }
  if (options.json) fmt::print("{}\n", results.dump(2));
  if (errors) return 2;
  if (illegal) return 1;
  return undecided ? 3 : 0;
}

}  // namespace faultline::cli
