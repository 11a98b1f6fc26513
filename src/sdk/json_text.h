// Conversions between the SDK's JSON values, nlohmann::json and JSON text.
#ifndef FAULTLINE_SRC_SDK_JSON_TEXT_H_
#define FAULTLINE_SRC_SDK_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "faultline/json.h"

namespace faultline::sdk {

// The nlohmann form of a value, to build whole lines with.
nlohmann::json to_nlohmann(const JsonValue& value);

// Compact text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const nlohmann::json& json);

// Details given as JSON text through the C ABI: an object stays as it is, null or empty text is
// an empty object, anything else is kept as {"details": <the text>} so nothing is lost.
nlohmann::json details_from_text(const char* text);

}  // namespace faultline::sdk

#endif  // FAULTLINE_SRC_SDK_JSON_TEXT_H_
