#include "history.h"

#include <map>
#include <stdexcept>

namespace faultline::check {

std::string Value::to_string() const {
  if (is_nil()) return "nil";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  std::string out = "[";
  for (const Value& item : std::get<std::vector<Value>>(v)) out += (out.size() > 1 ? " " : "") + item.to_string();
  return out + "]";
}

std::string Value::text() const {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return is_nil() ? "" : to_string();
}

std::vector<Operation> pair_operations(const History& history) {
  std::vector<Operation> operations;
  std::map<int64_t, size_t> open;  // process -> index of its open operation
  std::vector<bool> dropped;
  for (uint32_t index = 0; index < history.size(); ++index) {
    const HistoryEvent& e = history[index];
    if (e.type == HistoryEvent::Type::invoke) {
      if (open.count(e.process)) {
        throw std::runtime_error("line " + std::to_string(e.line) + ": process " + std::to_string(e.process) +
                                 " invokes while its operation of line " +
                                 std::to_string(operations[open[e.process]].line) + " is still open");
      }
      Operation op;
      op.process = e.process;
      op.f = e.f;
      op.key = e.key;
      op.input = e.value;
      op.call = index;
      op.line = e.line;
      open[e.process] = operations.size();
      operations.push_back(std::move(op));
      dropped.push_back(false);
      continue;
    }
    auto it = open.find(e.process);
    if (it == open.end()) {
      throw std::runtime_error("line " + std::to_string(e.line) + ": process " + std::to_string(e.process) +
                               " completes an operation it never invoked");
    }
    Operation& op = operations[it->second];
    switch (e.type) {
      case HistoryEvent::Type::ok:
        op.output = e.value;
        op.ret = index;
        break;
      case HistoryEvent::Type::fail: dropped[it->second] = true; break;
      case HistoryEvent::Type::info: op.unknown = true; break;
      case HistoryEvent::Type::invoke: break;
    }
    open.erase(it);
  }
  for (const auto& [process, index] : open) operations[index].unknown = true;  // never completed
  std::vector<Operation> kept;
  for (size_t i = 0; i < operations.size(); ++i) {
    if (!dropped[i]) kept.push_back(std::move(operations[i]));
  }
  return kept;
}

}  // namespace faultline::check
