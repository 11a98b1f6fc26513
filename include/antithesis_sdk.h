// Drop-in replacement for the official Antithesis C++ SDK header, for any C++20 compiler.
//
// Code written against the official header (its macros ALWAYS, SOMETIMES, ..., NAMED_LIST, the
// functions antithesis::setup_complete, send_event, get_random, random_choice and the type
// antithesis::JSON) builds unchanged and writes the same lines. The official header accepts only
// clang >= 16; this one is faultline's SDK under the official names (docs/sdk.md has the mapping).
#ifndef FAULTLINE_ANTITHESIS_SDK_H_
#define FAULTLINE_ANTITHESIS_SDK_H_

#include <cstdint>

#include "faultline/assert.h"
#include "faultline/json.h"
#include "faultline/lifecycle.h"
#include "faultline/random.h"
#include "faultline/version.h"

namespace antithesis {

inline const char* SDK_VERSION = FAULTLINE_VERSION;
inline const char* PROTOCOL_VERSION = FAULTLINE_PROTOCOL_VERSION;

using JSON = ::faultline::JsonObject;
using JSONArray = ::faultline::JsonArray;
using JSONValue = ::faultline::JsonValue;

inline void setup_complete(const JSON& details) { ::faultline::setup_complete(details); }
inline void send_event(const char* name, const JSON& details) {
  ::faultline::send_event(name, details);
}
inline std::uint64_t get_random() { return ::faultline::get_random(); }
using ::faultline::random_choice;

}  // namespace antithesis

#define ALWAYS(cond, message, ...) FAULTLINE_ALWAYS(cond, message, __VA_ARGS__)
#define ALWAYS_OR_UNREACHABLE(cond, message, ...) \
  FAULTLINE_ALWAYS_OR_UNREACHABLE(cond, message, __VA_ARGS__)
#define SOMETIMES(cond, message, ...) FAULTLINE_SOMETIMES(cond, message, __VA_ARGS__)
#define REACHABLE(message, ...) FAULTLINE_REACHABLE(message, __VA_ARGS__)
#define UNREACHABLE(message, ...) FAULTLINE_UNREACHABLE(message, __VA_ARGS__)

#define ALWAYS_GREATER_THAN(left, right, message, ...) \
  FAULTLINE_ALWAYS_GREATER_THAN(left, right, message, __VA_ARGS__)
#define ALWAYS_GREATER_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_ALWAYS_GREATER_THAN_OR_EQUAL_TO(left, right, message, __VA_ARGS__)
#define ALWAYS_LESS_THAN(left, right, message, ...) \
  FAULTLINE_ALWAYS_LESS_THAN(left, right, message, __VA_ARGS__)
#define ALWAYS_LESS_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_ALWAYS_LESS_THAN_OR_EQUAL_TO(left, right, message, __VA_ARGS__)
#define SOMETIMES_GREATER_THAN(left, right, message, ...) \
  FAULTLINE_SOMETIMES_GREATER_THAN(left, right, message, __VA_ARGS__)
#define SOMETIMES_GREATER_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_SOMETIMES_GREATER_THAN_OR_EQUAL_TO(left, right, message, __VA_ARGS__)
#define SOMETIMES_LESS_THAN(left, right, message, ...) \
  FAULTLINE_SOMETIMES_LESS_THAN(left, right, message, __VA_ARGS__)
#define SOMETIMES_LESS_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_SOMETIMES_LESS_THAN_OR_EQUAL_TO(left, right, message, __VA_ARGS__)

#define ALWAYS_SOME(pairs, message, ...) FAULTLINE_ALWAYS_SOME(pairs, message, __VA_ARGS__)
#define SOMETIMES_ALL(pairs, message, ...) FAULTLINE_SOMETIMES_ALL(pairs, message, __VA_ARGS__)
#define NAMED_LIST(...) FAULTLINE_NAMED_LIST(__VA_ARGS__)

#endif  // FAULTLINE_ANTITHESIS_SDK_H_
