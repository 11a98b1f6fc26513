// First-in first-out queues: enqueue a value, dequeue the oldest (Knossos's fifo-queue); a dequeue
// that returned nil found the queue empty. The state is the id of the interned contents.
#include <algorithm>

#include "check/models/common.h"

namespace faultline::check::models {
namespace {

struct Prepared {
  bool dequeue = false;
  uint64_t value = 0;  // what an enqueue adds, what a dequeue returned (0: nil, the queue was empty)
  bool unknown = false;
};

class QueueInstance : public ModelInstance {
 public:
  explicit QueueInstance(const std::vector<Operation>& ops) {
    for (const Operation& op : ops) {
      Prepared p;
      p.unknown = op.unknown;
      if (is_one_of(op.f, {"enqueue", "enq"})) {
        p.value = values_.id(op.input);
      } else if (is_one_of(op.f, {"dequeue", "deq"})) {
        p.dequeue = true;
        if (!op.unknown) p.value = values_.id(op.output);
      } else {
        throw unknown_operation(op);
      }
      ops_.push_back(p);
    }
  }

  uint64_t init() override { return queues_.intern({}); }

  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    const auto queue = queues_.at(state);
    *next = state;
    if (!op.dequeue) {
      scratch_.assign(queue.begin(), queue.end());
      scratch_.push_back(op.value);
      *next = queues_.intern(scratch_);
      return true;
    }
    if (queue.empty()) return op.unknown || op.value == 0;
    if (!op.unknown && op.value != queue.front()) return false;
    *next = queues_.intern(queue.subspan(1));
    return true;
  }

  // A dequeue that found the queue empty changes nothing.
  bool observes_only(size_t op) const override { return ops_[op].dequeue && !ops_[op].unknown && ops_[op].value == 0; }

  std::string describe_state(uint64_t state) const override { return values_.names(queues_.at(state), "[", "]"); }

 private:
  Values values_;
  std::vector<Prepared> ops_;
  Sequences queues_;
  std::vector<uint64_t> scratch_;
};

}  // namespace

std::unique_ptr<Model> make_queue() { return std::make_unique<KeyedModel<QueueInstance>>("queue"); }

}  // namespace faultline::check::models
