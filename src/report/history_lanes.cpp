#include "history_lanes.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "check/history.h"
#include "check/model.h"
#include "check/parse.h"

namespace faultline::report {

nlohmann::json history_lanes(const std::filesystem::path& merged_history, const events::HistoryChecked& checked,
                             size_t max_operations) {
  if (checked.verdict != "not linearizable" || checked.minimal_ops.empty()) return nullptr;
  std::ifstream in(merged_history);
  if (!in) return nullptr;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  // Each line's time (monotonic ns), by line number, for the drawing's axis.
  std::vector<int64_t> line_times{0};
  {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      line_times.push_back(events::field<int64_t>(events::field<nlohmann::json>(j, "faultline_history"), "time"));
    }
  }
  try {
    const check::History history = check::parse_history(text, check::Format::faultline, merged_history.string());
    const std::vector<check::Operation> ops = check::pair_operations(history);
    const auto model = check::make_model(checked.model);
    if (!model) return nullptr;
    const auto time_of_event = [&](uint32_t index) -> double {
      const int line = index < history.size() ? history[index].line : 0;
      const int64_t t = line > 0 && static_cast<size_t>(line) < line_times.size() ? line_times[line] : 0;
      return static_cast<double>(t - line_times[std::min<size_t>(1, line_times.size() - 1)]) / 1e6;
    };
    std::set<size_t> minimal, blocked;
    std::map<size_t, size_t> order;
    for (uint64_t i : checked.minimal_ops) if (i < ops.size()) minimal.insert(i);
    for (uint64_t i : checked.blocked_ops) if (i < ops.size()) blocked.insert(i);
    for (size_t k = 0; k < checked.partial_ops.size(); ++k) {
      if (checked.partial_ops[k] < ops.size()) order[checked.partial_ops[k]] = k + 1;
    }
    if (minimal.empty()) return nullptr;
    // The minimal set, and as many operations as fit of those called nearest to it.
    uint32_t from = check::Operation::kNever, to = 0;
    for (size_t i : minimal) {
      from = std::min(from, ops[i].call);
      to = std::max(to, ops[i].ret == check::Operation::kNever ? ops[i].call : ops[i].ret);
    }
    const auto distance = [&](size_t i) -> uint64_t {
      const uint32_t call = ops[i].call, ret = ops[i].ret == check::Operation::kNever ? call : ops[i].ret;
      if (ret < from) return from - ret;
      return call > to ? call - to : 0;  // overlapping the minimal set's span: nearest of all
    };
    std::vector<size_t> others;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!minimal.count(i)) others.push_back(i);
    }
    const size_t room = max_operations > minimal.size() ? max_operations - minimal.size() : 0;
    if (others.size() > room) {
      std::nth_element(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(room), others.end(),
                       [&](size_t a, size_t b) { return distance(a) < distance(b); });
      others.resize(room);
    }
    std::vector<size_t> shown(minimal.begin(), minimal.end());
    shown.insert(shown.end(), others.begin(), others.end());
    std::sort(shown.begin(), shown.end(), [&](size_t a, size_t b) { return ops[a].call < ops[b].call; });
    std::map<int64_t, size_t> lane_of;
    nlohmann::json clients = nlohmann::json::array(), drawn = nlohmann::json::array();
    for (size_t i : shown) {
      const check::Operation& op = ops[i];
      auto [lane, added] = lane_of.try_emplace(op.process, lane_of.size());
      if (added) clients.push_back("process " + std::to_string(op.process));
      nlohmann::json j = {{"client", lane->second},
                          {"call", time_of_event(op.call)},
                          {"return", op.ret == check::Operation::kNever ? nlohmann::json() : nlohmann::json(time_of_event(op.ret))},
                          {"text", model->describe(op)},
                          {"minimal", minimal.count(i) > 0},
                          {"order", order.count(i) ? nlohmann::json(order[i]) : nlohmann::json()},
                          {"blocked", blocked.count(i) > 0}};
      drawn.push_back(std::move(j));
    }
    return {{"clients", clients}, {"operations", drawn}};
  } catch (const std::exception&) {
    return nullptr;  // a history changed since its check: the report keeps the check's words
  }
}

}  // namespace faultline::report
