// A sequential specification for the linearizability checker: the states an object can be in, and
// how each operation of a history changes them. A model is a plain C++ type behind this small
// interface (Porcupine's, with states made cheap): adding one needs no change to the search.
#ifndef FAULTLINE_SRC_CHECK_MODEL_H_
#define FAULTLINE_SRC_CHECK_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "check/history.h"

namespace faultline::check {

// A model prepared for one partition of a history. States are 64-bit values, so that the search
// hashes and compares them for free (hash = the value, equal = ==); a model whose states are richer
// (strings, tuples) interns them in tables of its own and hands out their ids.
class ModelInstance {
 public:
  virtual ~ModelInstance() = default;
  // The state before any operation.
  virtual uint64_t init() = 0;
  // Applies operation `op` (an index into the partition's operations) to `state`: false when the
  // operation's outcome contradicts the state, else true with the state after it in *next.
  virtual bool step(uint64_t state, size_t op, uint64_t* next) = 0;
  // A state as a person reads it.
  virtual std::string describe_state(uint64_t state) const = 0;
  // Whether operation `op` only observes (a read): it never changes the state. The search then
  // linearizes it as soon as the state allows, without trying it later (which cannot help).
  virtual bool observes_only(size_t op) const { (void)op; return false; }
  // Operations of different footprints (e.g. the keys of a key-value store) never change what
  // each other observe. The search looks ahead only at observations of the footprint that
  // changed.
  virtual uint32_t footprint(size_t op) const { (void)op; return 0; }
  // Whether observation `op` (observes_only), which does not fit `state`, could fit after some of
  // the operations `before` (those still free to be linearized ahead of it) change the state.
  // Answering false lets the search abandon the state at once; when unsure, answer true.
  virtual bool may_fit_after(uint64_t state, size_t op, const std::vector<size_t>& before) {
    (void)state, (void)op, (void)before;
    return true;
  }
  // Keeps what describe_state needs from now on (for a counterexample's replay); models whose
  // states are hashes of richer values record those values.
  virtual void record_descriptions() {}
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;
  // Groups of operations (indices) that can be checked independently (P-compositionality), e.g.
  // one group per key; when `partition` is false, or the model has none, one group of all.
  virtual std::vector<std::vector<size_t>> partition(const std::vector<Operation>& ops, bool partition) const;
  // Prepares `ops` (one partition). Each call returns a fresh instance, so that partitions are
  // checked in parallel. Throws std::invalid_argument naming the line of an operation the model
  // does not know.
  virtual std::unique_ptr<ModelInstance> instance(const std::vector<Operation>& ops) const = 0;
  // An operation as a person reads it.
  virtual std::string describe(const Operation& op) const;
};

// The built-in models: register (read/write), cas-register (read/write/cas), kv (per key: get,
// put, append, delete, cas; etcd's operations under their names). nullptr for another name.
std::unique_ptr<Model> make_model(const std::string& name);

// The names make_model knows, for messages.
std::string model_names();

}  // namespace faultline::check

#endif  // FAULTLINE_SRC_CHECK_MODEL_H_
