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
#include "report/history_drawing.h"
#include "report/inert_text.h"
#include "run/exit_status.h"

namespace faultline::cli {
namespace {

using check::Operation;

// Values come from the system under test: inert on the terminal, and long ones (a kv value after
// hundreds of appends) shortened to their start and their end, where the latest appends are;
// --json and --html keep them whole.
std::string shown(const std::string& text) { return report::inert(text, {.max_bytes = 112}); }

std::string describe(const check::Model& model, const Operation& op) {
  return fmt::format("process {} {} (line {})", op.process, shown(model.describe(op)), op.line);
}

}  // namespace

int check_command(const CheckCommandOptions& options) {
  const std::unique_ptr<check::Model> model = check::make_model(options.model);
  if (!model) {
    fmt::print(stderr, "faultline check: unknown model \"{}\" (models: {})\n", shown(options.model), check::model_names());
    return run::kExitUsage;
  }
  check::Format format;
  try {
    format = check::parse_format(options.format);
  } catch (const std::exception& e) {
    fmt::print(stderr, "faultline check: {}\n", shown(e.what()));
    return run::kExitUsage;
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
      fmt::print(stderr, "{}\n", shown(e.what()));
      errors = true;
      continue;
    } catch (const std::exception& e) {
      // Messages of pairing and models start with "line N: ".
      const std::string what = e.what();
      fmt::print(stderr, "{}:{}\n", shown(file), shown(what.rfind("line ", 0) == 0 ? what.substr(5) : " " + what));
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
      if (!options.json) fmt::print("{}: empty history\n", shown(file));
      continue;
    }
    if (!options.json) {
      fmt::print("{}: {}{} ({} operations, {} partition{}, {:.1f} ms)\n", shown(file), check::to_string(result.verdict),
                 result.verdict == check::Verdict::unknown ? " (not decided within " + options.timeout + ")" : "",
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
          fmt::print("    {}. {}  => {}\n", k + 1, describe(*model, ops[c.partial[k]]), shown(c.states[k]));
        }
        for (size_t i : c.blocked) fmt::print("  cannot come next: {}\n", describe(*model, ops[i]));
      }
      if (!options.html.empty() && !drawn) {
        std::ofstream(options.html) << report::history_html(file, *model, ops, result);
        drawn = true;
      }
    } else if (result.verdict == check::Verdict::unknown) {
      undecided = true;
    }
  }
  // JSON escapes control characters itself; invalid UTF-8 becomes U+FFFD.
  if (options.json) fmt::print("{}\n", results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  if (errors) return run::kExitUsage;
  if (illegal) return run::kExitFailed;
  return undecided ? run::kExitUndecided : run::kExitPassed;
}

}  // namespace faultline::cli
