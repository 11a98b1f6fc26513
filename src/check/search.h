// The search for a linearization of one partition of a history: Wing & Gong's, with Lowe's memo,
// resumable, so that the partitions of a history share the threads fairly and an illegal one is
// found early whatever the others cost.
#ifndef FAULTLINE_SRC_CHECK_SEARCH_H_
#define FAULTLINE_SRC_CHECK_SEARCH_H_

#include <cstdint>
#include <vector>

#include "check/history.h"
#include "check/linearizability.h"
#include "check/memo.h"
#include "check/model.h"

namespace faultline::check {

class PartitionSearch {
 public:
  // `model` (prepared for `ops`) must outlive the search.
  PartitionSearch(const std::vector<Operation>& ops, ModelInstance& model);

  // Searches for at most `steps` more steps (a step tries one event). True once decided.
  bool advance(uint64_t steps);

  // linearizable or not_linearizable once decided; unknown before.
  Verdict verdict() const { return verdict_; }
  // Configurations explored so far.
  uint64_t explored() const { return memo_.size(); }
  // When not linearizable: the longest partial linearization found (indices into `ops`), the
  // model's states after each, and operations that could not come next.
  const std::vector<size_t>& partial() const { return partial_; }
  const std::vector<uint64_t>& states() const { return states_; }
  const std::vector<size_t>& blocked() const { return blocked_; }

 private:
  // Operations are events in a doubly linked list ordered by time; linearizing an operation lifts
  // its call and return out of the list; meeting a return before its call was linearized means
  // backtracking.
  struct Node {
    int32_t op;
    bool call;
    int32_t match, prev, next;
  };
  struct Frame {
    int32_t call;
    uint64_t state;
    bool forced;  // a read taken as soon as possible: never tried later instead
  };
  void lift(int32_t call);
  void unlift(int32_t call);
  int32_t next_entry(size_t linearized);
  void remember_deepest(int32_t entry);
  bool backtrack();
  void replay_states();

  ModelInstance& model_;
  size_t n_;
  std::vector<Node> nodes_;
  int32_t head_;
  // What the search reads of each operation, in compact copies that stay in cache.
  std::vector<uint8_t> unknown_, observes_;
  std::vector<uint32_t> footprint_;
  std::vector<uint32_t> signature_;  // equal for interchangeable unknown operations, else 0
  std::vector<uint64_t> key1_, key2_;  // Zobrist keys
  size_t known_ = 0;

  Memo memo_;
  std::vector<Frame> stack_;
  std::vector<uint32_t> tried_in_pass_;  // signatures already tried in the current pass over unknowns
  std::vector<size_t> before_;           // scratch for next_entry
  uint64_t state_ = 0;
  uint64_t set1_ = 0, set2_ = 0;
  size_t linearized_known_ = 0;
  size_t best_ = 0;
  int32_t entry_ = -1;

  Verdict verdict_ = Verdict::unknown;
  std::vector<size_t> partial_;
  std::vector<uint64_t> states_;
  std::vector<size_t> blocked_;
};

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_SEARCH_H_
