// The shape of the lines SDKs write (the Antithesis SDKs' protocol and faultline's own additions):
// what a line must hold under each key faultline reads, so that a line of the wrong shape is
// counted and shown as invalid rather than half-understood.
#ifndef FAULTLINE_SRC_REPORT_SDK_LINE_SHAPE_H_
#define FAULTLINE_SRC_REPORT_SDK_LINE_SHAPE_H_

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::report {

// "" when `line` (a JSON object) is of a shape faultline reads; else what is wrong, naming the
// field ("antithesis_assert.message: not a string"). Keys faultline does not read (an SDK's custom
// events) may hold anything. Checked keys: antithesis_sdk, antithesis_setup, antithesis_assert,
// faultline_counts, faultline_stop_faults.
std::string sdk_line_problem(const nlohmann::json& line);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_SDK_LINE_SHAPE_H_
