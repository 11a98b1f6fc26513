#include "check/model.h"

#include "check/models/common.h"

namespace faultline::check {

std::vector<std::vector<size_t>> Model::partition(const std::vector<Operation>& ops, bool) const {
  return models::partition_by_key(ops, false);
}

std::string Model::describe(const Operation& op) const {
  std::string text = op.f + (op.key ? " " + *op.key : "") + " " + op.input.to_string();
  if (op.unknown) return text + " -> ?";
  // What came back, when it says more than the call: a read's value, a dequeue's.
  if (models::is_one_of(op.f, {"read", "r", "get"}) || (!op.output.is_nil() && !(op.output == op.input))) {
    return text + " -> " + op.output.to_string();
  }
  return text;
}

std::unique_ptr<Model> make_model(const std::string& name) {
  if (name == "register") return models::make_register(false);
  if (name == "cas-register") return models::make_register(true);
  if (name == "kv") return models::make_kv();
  if (name == "set") return models::make_set();
  if (name == "queue") return models::make_queue();
  return nullptr;
}

std::string model_names() { return "register, cas-register, kv, set, queue"; }

}  // namespace faultline::check
