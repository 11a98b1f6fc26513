// Operation histories: what clients invoked and what came back, as Jepsen records them.
#ifndef FAULTLINE_SRC_CHECK_HISTORY_H_
#define FAULTLINE_SRC_CHECK_HISTORY_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace faultline::check {

// A value in a history: nil, an integer, a string, or a list of values (e.g. cas's [from to]).
struct Value {
  std::variant<std::monostate, int64_t, std::string, std::vector<Value>> v;

  bool is_nil() const { return std::holds_alternative<std::monostate>(v); }
  bool operator==(const Value&) const = default;
  // As a history writes it: nil, 3, "x", [1 2].
  std::string to_string() const;
  // As a person reads it, and as models compare values: a string without its quotes, nil empty,
  // anything else as to_string writes it.
  std::string text() const;
};

// One line of a history.
struct HistoryEvent {
  enum class Type { invoke, ok, fail, info };
  int64_t process = 0;
  Type type = Type::invoke;
  std::string f;                   // the operation: read, write, cas, get, put, append, ...
  std::optional<std::string> key;  // for keyed operations
  Value value;
  int line = 0;                    // where it was written, for messages
};

using History = std::vector<HistoryEvent>;

// An operation: an invocation with its completion. Positions are indices in the history; an
// operation whose outcome is unknown (:info, or no completion) may take effect at any time after
// its call, or never: its return is at infinity.
struct Operation {
  static constexpr uint32_t kNever = std::numeric_limits<uint32_t>::max();
  int64_t process = 0;
  std::string f;
  std::optional<std::string> key;
  Value input;     // the invocation's value
  Value output;    // the completion's value (unused when unknown)
  bool unknown = false;
  uint32_t call = 0;
  uint32_t ret = kNever;
  int line = 0;    // the invocation's line
};

// Pairs invocations with completions by process, with Jepsen's semantics: :ok took effect
// between its invocation and completion; :fail did not take effect (dropped); :info, or no
// completion at all, is unknown. Throws std::runtime_error (naming the line) for a completion
// without an invocation or an invocation while the process has one open.
std::vector<Operation> pair_operations(const History& history);

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_HISTORY_H_
