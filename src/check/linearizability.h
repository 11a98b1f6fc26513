// The linearizability checker: is there an order of a history's operations, each placed between its
// call and its return, that the model accepts? (Wing & Gong's search with Lowe's memoisation of
// (linearized set, state), P-compositionality, and operations of unknown outcome.)
#ifndef FAULTLINE_SRC_CHECK_LINEARIZABILITY_H_
#define FAULTLINE_SRC_CHECK_LINEARIZABILITY_H_

#include <chrono>
#include <string>
#include <vector>

#include "check/history.h"
#include "check/model.h"

namespace faultline::check {

enum class Verdict { linearizable, not_linearizable, unknown };

// The one spelling of a verdict, in `check --json`, events.jsonl and the report: "linearizable",
// "not linearizable", "unknown" (not decided in time).
const char* to_string(Verdict verdict);

struct CheckOptions {
  bool partition = true;                        // check each partition (key) alone
  std::chrono::milliseconds timeout{60000};     // then the verdict is unknown
  unsigned threads = 0;                         // 0: one per core
  bool minimize = true;                         // shrink a counterexample to a minimal set
};

// Why a partition is not linearizable, in the history's operations (indices into the checked
// operations).
struct Counterexample {
  std::vector<size_t> partial;          // the longest partial linearization found, in order
  std::vector<std::string> states;      // the state after each of them
  std::vector<size_t> blocked;          // operations that could not come next (their return had come)
  std::vector<size_t> minimal;          // a minimal set of operations that cannot be ordered
};

struct CheckResult {
  Verdict verdict = Verdict::linearizable;
  size_t operations = 0;
  size_t partitions = 0;
  uint64_t states_explored = 0;
  double seconds = 0;
  Counterexample counterexample;  // when not linearizable
};

// Checks `ops` against `model`.
CheckResult check_linearizability(const std::vector<Operation>& ops, const Model& model, const CheckOptions& options);

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_LINEARIZABILITY_H_
