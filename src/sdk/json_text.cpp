#include "json_text.h"

#include <type_traits>
#include <variant>

namespace faultline::sdk {

nlohmann::json to_nlohmann(const JsonValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, JsonArray>) {
          nlohmann::json array = nlohmann::json::array();
          for (const JsonValue& element : v) array.push_back(to_nlohmann(element));
          return array;
        } else if constexpr (std::is_same_v<T, JsonObject>) {
          nlohmann::json object = nlohmann::json::object();
          for (const auto& [key, element] : v) object[key] = to_nlohmann(element);
          return object;
        } else {
          return nlohmann::json(v);
        }
      },
      value.variant());
}

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json details_from_text(const char* text) {
  if (text == nullptr || *text == '\0') return nlohmann::json::object();
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) return parsed;
  if (parsed.is_null()) return nlohmann::json::object();  // the literal null; a parse error is "discarded"
  return nlohmann::json{{"details", std::string(text)}};
}

}  // namespace faultline::sdk

namespace faultline {

std::string to_json_text(const JsonValue& value) { return sdk::dump(sdk::to_nlohmann(value)); }

}  // namespace faultline
