#include "history_check.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>

#include "check/linearizability.h"
#include "check/parse.h"

namespace faultline::run {

namespace fs = std::filesystem;

namespace {
constexpr size_t kPartialTailShown = 10;
}

std::optional<HistoryCheck> history_check_of(const env::Project& project) {
  if (!project.x_faultline || !project.x_faultline->is_map()) return std::nullopt;
  const env::YamlPtr model = project.x_faultline->get("model");
  if (!model || !model->is_scalar()) return std::nullopt;
  if (!check::make_model(model->scalar)) {
    throw env::ConfigError(model->mark, "x-faultline.model",
                           "unknown model \"" + model->scalar + "\" (models: " + check::model_names() + ")");
  }
  HistoryCheck result{model->scalar};
  if (const env::YamlPtr timeout = project.x_faultline->get("check_timeout"); timeout && timeout->is_scalar()) {
    result.timeout = env::parse_duration(timeout->scalar, timeout->mark, "x-faultline.check_timeout");
  }
  return result;
}

events::HistoryChecked check_timeline_history(const fs::path& sdk_dir, const fs::path& merged, const HistoryCheck& how) {
  std::vector<std::pair<int64_t, std::string>> lines;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(sdk_dir, ec)) {
    if (entry.path().filename() != "history.jsonl") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const events::Json j = events::Json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("faultline_history")) continue;
      lines.emplace_back(events::field<int64_t>(j["faultline_history"], "time"), line);
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text;
  for (const auto& [time, line] : lines) text += line + "\n";
  std::ofstream(merged) << text;

  events::HistoryChecked checked;
  checked.model = how.model;
  checked.history = merged.string();
  try {
    const auto ops = check::pair_operations(check::parse_history(text, check::Format::faultline, merged.string()));
    const auto model = check::make_model(how.model);
    check::CheckOptions options;
    options.timeout = how.timeout;
    const check::CheckResult result = check::check_linearizability(ops, *model, options);
    checked.verdict = check::to_string(result.verdict);
    checked.operations = ops.size();
    checked.seconds = result.seconds;
    if (result.verdict == check::Verdict::not_linearizable) {
      const check::Counterexample& c = result.counterexample;
      checked.minimal_ops.assign(c.minimal.begin(), c.minimal.end());
      checked.partial_ops.assign(c.partial.begin(), c.partial.end());
      checked.blocked_ops.assign(c.blocked.begin(), c.blocked.end());
      for (size_t i : c.minimal) checked.cannot_be_ordered.push_back(fmt::format("process {} {}", ops[i].process, model->describe(ops[i])));
      for (size_t k = c.partial.size() > kPartialTailShown ? c.partial.size() - kPartialTailShown : 0; k < c.partial.size(); ++k) {
        const check::Operation& op = ops[c.partial[k]];
        checked.partial_linearization_tail.push_back(fmt::format("process {} {} => {}", op.process, model->describe(op), c.states[k]));
      }
    }
  } catch (const std::exception& e) {
    checked.verdict = "error";
    checked.error = e.what();
  }
  return checked;
}

}  // namespace faultline::run
