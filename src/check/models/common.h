// What the built-in models share: interned values and sequences, operation names, and
// partitioning by key.
#ifndef FAULTLINE_SRC_CHECK_MODELS_COMMON_H_
#define FAULTLINE_SRC_CHECK_MODELS_COMMON_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/model.h"

namespace faultline::check::models {

// Interns values: nil is 0, others 1, 2, ... Values of the same text (Value::text) are one value.
class Values {
 public:
  uint64_t id(const Value& v);
  uint64_t id(const std::string& text);
  const std::string& name(uint64_t id) const;
  // The names of `ids`, separated by spaces, between `open` and `close`: [1 2], #{a b}.
  std::string names(std::span<const uint64_t> ids, const char* open, const char* close) const;

 private:
  std::unordered_map<std::string, uint64_t> ids_;
  std::vector<std::string> names_;
};

// Interns sequences of 64-bit values (a kv store's tuple of values, a set's elements, a queue's
// contents) as dense ids 0, 1, 2, ..., so that a model whose state is one of them hands the
// search a 64-bit state.
class Sequences {
 public:
  uint64_t intern(std::span<const uint64_t> values);
  std::span<const uint64_t> at(uint64_t id) const {
    return {flat_.data() + starts_[id], starts_[id + 1] - starts_[id]};
  }

 private:
  void rehash(size_t size);
  std::vector<uint64_t> flat_;
  std::vector<size_t> starts_ = {0};
  std::vector<uint64_t> hashes_, slots_;
};

// Whether operation name `f` is one of `names`.
bool is_one_of(const std::string& f, std::initializer_list<const char*> names);

// The error for an operation a model does not know, naming its line.
std::invalid_argument unknown_operation(const Operation& op);

// The two values of a [from to] argument (a cas's), or an error naming the operation's line.
std::pair<const Value&, const Value&> from_to(const Operation& op);

// One group per key (in key order) when `partition`, else one group of all.
std::vector<std::vector<size_t>> partition_by_key(const std::vector<Operation>& ops, bool partition);

// A model whose partitions are its keys, with one kind of instance (constructed from a
// partition's operations).
template <typename Instance>
class KeyedModel : public Model {
 public:
  explicit KeyedModel(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::vector<std::vector<size_t>> partition(const std::vector<Operation>& ops, bool partition) const override {
    return partition_by_key(ops, partition);
  }
  std::unique_ptr<ModelInstance> instance(const std::vector<Operation>& ops) const override {
    return std::make_unique<Instance>(ops);
  }

 private:
  std::string name_;
};

// The built-in models.
std::unique_ptr<Model> make_register(bool allow_cas);
std::unique_ptr<Model> make_kv();
std::unique_ptr<Model> make_set();
std::unique_ptr<Model> make_queue();

}  // namespace faultline::check::models

#endif  // FAULTLINE_SRC_CHECK_MODELS_COMMON_H_
