// faultline SDK: JSON values for assertion details and events.
//
// A small value type, so that details read like the JSON they become:
//
//   faultline::JsonObject{{"key", key}, {"attempts", 3}, {"peer", faultline::JsonObject{{"id", 2}}}}
//
// It is also what antithesis::JSON is in the drop-in header <antithesis_sdk.h>, so code written
// against the official C++ SDK builds unchanged.
#ifndef FAULTLINE_JSON_H_
#define FAULTLINE_JSON_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace faultline {

class JsonValue;

// A JSON array.
struct JsonArray : std::vector<JsonValue> {
  using std::vector<JsonValue>::vector;
  // Any vector whose elements convert to JsonValue, e.g. std::vector<int>. (Not constrained in
  // the declaration: JsonValue is incomplete here, which clang does not accept in a constraint.)
  template <typename T>
  JsonArray(const std::vector<T>& values);  // NOLINT(google-explicit-constructor)
};

// A JSON object. Keys are kept sorted, as the official C++ SDK writes them.
struct JsonObject : std::map<std::string, JsonValue> {
  JsonObject() = default;
  JsonObject(std::initializer_list<std::pair<const std::string, JsonValue>> members);
  // The official SDK's form for "these members, then those": later pairs replace earlier ones.
  JsonObject(std::initializer_list<std::pair<const std::string, JsonValue>> members,
             const std::vector<std::pair<const std::string, JsonValue>>& more_members);
};

// One JSON value: null, a boolean, a number, a string, an array or an object.
class JsonValue {
 public:
  using Variant = std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double,
                               std::string, JsonArray, JsonObject>;

  JsonValue() : value_(nullptr) {}
  JsonValue(std::nullptr_t) : value_(nullptr) {}  // NOLINT: implicit by design, as JSON literals
  JsonValue(bool b) : value_(b) {}                // NOLINT
  // Integers keep their signedness: negative values are int64, others of unsigned types uint64.
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  JsonValue(T n) {  // NOLINT
    if constexpr (std::is_signed_v<T>) {
      value_ = static_cast<std::int64_t>(n);
    } else {
      value_ = static_cast<std::uint64_t>(n);
    }
  }
  JsonValue(char c) : value_(std::string(1, c)) {}  // NOLINT: the official SDK writes a char as a string
  JsonValue(float d) : value_(static_cast<double>(d)) {}  // NOLINT
  JsonValue(double d) : value_(d) {}                      // NOLINT
  JsonValue(const char* s) : value_(s ? Variant(std::string(s)) : Variant(nullptr)) {}  // NOLINT
  JsonValue(std::string s) : value_(std::move(s)) {}                                   // NOLINT
  JsonValue(std::string_view s) : value_(std::string(s)) {}                            // NOLINT
  JsonValue(JsonArray a) : value_(std::move(a)) {}                                     // NOLINT
  JsonValue(JsonObject o) : value_(std::move(o)) {}                                    // NOLINT

  // The value, for std::visit and std::get.
  const Variant& variant() const { return value_; }

  friend bool operator==(const JsonValue& a, const JsonValue& b) { return a.value_ == b.value_; }

 private:
  Variant value_;
};

template <typename T>
JsonArray::JsonArray(const std::vector<T>& values) {
  static_assert(std::is_constructible_v<JsonValue, const T&>, "elements must convert to JsonValue");
  reserve(values.size());
  for (const T& v : values) emplace_back(v);
}

inline JsonObject::JsonObject(std::initializer_list<std::pair<const std::string, JsonValue>> members)
    : std::map<std::string, JsonValue>(members) {}

inline JsonObject::JsonObject(
    std::initializer_list<std::pair<const std::string, JsonValue>> members,
    const std::vector<std::pair<const std::string, JsonValue>>& more_members)
    : std::map<std::string, JsonValue>(members) {
  for (const auto& [key, value] : more_members) insert_or_assign(key, value);
}

// The compact JSON text of a value (UTF-8; invalid bytes are replaced, never an error).
std::string to_json_text(const JsonValue& value);

}  // namespace faultline

#endif  // FAULTLINE_JSON_H_
