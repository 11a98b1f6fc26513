#include "sdk_line_shape.h"

#include <initializer_list>

namespace faultline::report {
namespace {

using nlohmann::json;

enum class Kind { string, boolean, object, unsigned_integer };

const char* name_of(Kind kind) {
  switch (kind) {
    case Kind::string: return "a string";
    case Kind::boolean: return "true or false";
    case Kind::object: return "an object";
    case Kind::unsigned_integer: return "a whole number >= 0";
  }
  return "";
}

bool is(const json& value, Kind kind) {
  switch (kind) {
    case Kind::string: return value.is_string();
    case Kind::boolean: return value.is_boolean();
    case Kind::object: return value.is_object();
    case Kind::unsigned_integer: return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
  }
  return false;
}

struct Field {
  const char* key;
  Kind kind;
  bool required;
};

// The first field of `object` (under `name`) that is missing or of another kind.
std::string check(const json& object, const std::string& name, std::initializer_list<Field> fields) {
  if (!object.is_object()) return name + ": not an object";
  for (const Field& f : fields) {
    const auto it = object.find(f.key);
    if (it == object.end()) {
      if (f.required) return name + "." + f.key + ": missing";
    } else if (!is(*it, f.kind)) {
      return name + "." + f.key + ": not " + name_of(f.kind);
    }
  }
  return "";
}

std::string assertion_problem(const json& a) {
  std::string problem = check(a, "antithesis_assert",
                              {{"id", Kind::string, false}, {"message", Kind::string, false}, {"hit", Kind::boolean, true},
                               {"condition", Kind::boolean, false}, {"must_hit", Kind::boolean, false},
                               {"assert_type", Kind::string, false}, {"display_type", Kind::string, false},
                               {"location", Kind::object, false}});
  if (!problem.empty()) return problem;
  // The property is named by its id, else its message.
  if (!a.contains("id") && !a.contains("message")) return "antithesis_assert: neither id nor message";
  if (const auto type = a.find("assert_type"); type != a.end()) {
    const std::string t = type->get<std::string>();
    if (t != "always" && t != "sometimes" && t != "reachability") {
      return "antithesis_assert.assert_type: not always, sometimes or reachability";
    }
  }
  if (const auto location = a.find("location"); location != a.end()) {
    return check(*location, "antithesis_assert.location",
                 {{"file", Kind::string, false}, {"function", Kind::string, false}, {"class", Kind::string, false},
                  {"begin_line", Kind::unsigned_integer, false}, {"begin_column", Kind::unsigned_integer, false}});
  }
  return "";
}

}  // namespace

std::string sdk_line_problem(const json& line) {
  if (!line.is_object()) return "not a JSON object";
  if (const auto it = line.find("antithesis_assert"); it != line.end()) return assertion_problem(*it);
  if (const auto it = line.find("antithesis_setup"); it != line.end()) {
    return check(*it, "antithesis_setup", {{"status", Kind::string, false}});
  }
  if (const auto it = line.find("antithesis_sdk"); it != line.end()) return check(*it, "antithesis_sdk", {});
  if (const auto it = line.find("faultline_counts"); it != line.end()) {
    return check(*it, "faultline_counts",
                 {{"id", Kind::string, true}, {"process", Kind::string, true}, {"passes", Kind::unsigned_integer, true},
                  {"fails", Kind::unsigned_integer, true}});
  }
  if (const auto it = line.find("faultline_stop_faults"); it != line.end()) {
    return check(*it, "faultline_stop_faults", {{"seconds", Kind::unsigned_integer, true}});
  }
  return "";
}

}  // namespace faultline::report
