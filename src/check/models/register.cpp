// Registers, with or without compare-and-set. The state is the value's id.
#include "check/models/common.h"

namespace faultline::check::models {
namespace {

enum class Kind { read, write, cas };

struct Prepared {
  Kind kind;
  uint64_t a = 0, b = 0;  // write: a; cas: a -> b
  uint64_t out = 0;       // what a read returned
  bool unknown = false;
};

class RegisterInstance : public ModelInstance {
 public:
  RegisterInstance(const std::vector<Operation>& ops, bool allow_cas) {
    for (const Operation& op : ops) {
      Prepared p;
      p.unknown = op.unknown;
      if (is_one_of(op.f, {"read", "r", "get"})) {
        p.kind = Kind::read;
        if (!op.unknown) p.out = values_.id(op.output);
      } else if (is_one_of(op.f, {"write", "w", "put"})) {
        p.kind = Kind::write;
        p.a = values_.id(op.input);
      } else if (allow_cas && is_one_of(op.f, {"cas", "compare-and-set", "compare_and_set"})) {
        p.kind = Kind::cas;
        const auto [from, to] = from_to(op);
        p.a = values_.id(from);
        p.b = values_.id(to);
      } else {
        throw unknown_operation(op);
      }
      ops_.push_back(p);
    }
  }
  uint64_t init() override { return 0; }
  bool step(uint64_t state, size_t index, uint64_t* next) override {
    const Prepared& op = ops_[index];
    *next = state;
    switch (op.kind) {
      case Kind::read: return op.unknown || op.out == state;
      case Kind::write: *next = op.a; return true;
      case Kind::cas:
        if (state == op.a) {
          *next = op.b;
          return true;
        }
        return op.unknown;  // a cas that succeeded needs its `from`; an unknown one may have failed
    }
    return false;
  }
  std::string describe_state(uint64_t state) const override { return values_.name(state); }
  bool observes_only(size_t op) const override { return ops_[op].kind == Kind::read; }
  // A read fits later only if something before it can write what it read.
  bool may_fit_after(uint64_t, size_t index, const std::vector<size_t>& before) override {
    const uint64_t wanted = ops_[index].out;
    for (size_t b : before) {
      const Prepared& op = ops_[b];
      if ((op.kind == Kind::write && op.a == wanted) || (op.kind == Kind::cas && op.b == wanted)) return true;
    }
    return false;
  }

 private:
  Values values_;
  std::vector<Prepared> ops_;
};

class RegisterModel : public Model {
 public:
  explicit RegisterModel(bool allow_cas) : allow_cas_(allow_cas) {}
  std::string name() const override { return allow_cas_ ? "cas-register" : "register"; }
  std::unique_ptr<ModelInstance> instance(const std::vector<Operation>& ops) const override {
    return std::make_unique<RegisterInstance>(ops, allow_cas_);
  }

 private:
  bool allow_cas_;
};

}  // namespace

std::unique_ptr<Model> make_register(bool allow_cas) { return std::make_unique<RegisterModel>(allow_cas); }

}  // namespace faultline::check::models
