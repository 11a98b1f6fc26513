// faultline SDK: lifecycle signals, for C++.
#ifndef FAULTLINE_LIFECYCLE_H_
#define FAULTLINE_LIFECYCLE_H_

#include <string_view>

#include "faultline/json.h"

namespace faultline {

// Signals that the system under test is up and ready: test commands start after the first such
// signal of a run (spec section 2). Call it once, from any process of the environment.
void setup_complete(const JsonObject& details = {});

// Writes a named event with details: the line {"<name>": <details>}. The report shows events in
// the timeline beside the logs.
void send_event(std::string_view name, const JsonObject& details = {});

}  // namespace faultline

#endif  // FAULTLINE_LIFECYCLE_H_
