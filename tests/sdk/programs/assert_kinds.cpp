// Exercises every assertion kind of the C++ API with known outcomes; sdk_wire_format_test reads
// what it writes.
#include <faultline/faultline.h>

#include <cstdint>
#include <string>

namespace {

void shared_message_a() { FAULTLINE_REACHABLE("Two call sites share this message"); }
void shared_message_b() { FAULTLINE_REACHABLE("Two call sites share this message"); }

}  // namespace

int main(int argc, char**) {
  faultline::send_event("main_started", {});
  const bool never = argc > 100;  // a condition the compiler cannot fold

  for (int i = 0; i < 3; ++i) FAULTLINE_ALWAYS(true, "Always passes");
  for (int i = 0; i < 3; ++i) FAULTLINE_ALWAYS(i != 1, "Always fails once", {{"i", i}});
  if (never) FAULTLINE_ALWAYS(true, "Always never reached");
  if (never) FAULTLINE_ALWAYS_OR_UNREACHABLE(false, "AlwaysOrUnreachable never reached");
  FAULTLINE_ALWAYS_OR_UNREACHABLE(true, "AlwaysOrUnreachable passes");
  for (int i = 0; i < 4; ++i) FAULTLINE_SOMETIMES(i == 2, "Sometimes true once in four");
  FAULTLINE_SOMETIMES(false, "Sometimes never true");
  FAULTLINE_REACHABLE("Reachable is reached", {{"where", "main"}});
  if (never) FAULTLINE_REACHABLE("Reachable never reached");
  FAULTLINE_UNREACHABLE("Unreachable is reached");
  if (never) FAULTLINE_UNREACHABLE("Unreachable never reached");

  const int64_t five = 5, three = 3;
  FAULTLINE_ALWAYS_GREATER_THAN(five, three, "5 > 3");
  FAULTLINE_ALWAYS_GREATER_THAN_OR_EQUAL_TO(three, five, "3 >= 5", {{"note", "fails"}});
  FAULTLINE_ALWAYS_LESS_THAN(three, five, "3 < 5");
  FAULTLINE_ALWAYS_LESS_THAN_OR_EQUAL_TO(five, five, "5 <= 5");
  FAULTLINE_SOMETIMES_GREATER_THAN(three, five, "sometimes 3 > 5");
  FAULTLINE_SOMETIMES_GREATER_THAN_OR_EQUAL_TO(five, five, "sometimes 5 >= 5");
  FAULTLINE_SOMETIMES_LESS_THAN(2.5, 3.5, "sometimes 2.5 < 3.5");
  FAULTLINE_SOMETIMES_LESS_THAN_OR_EQUAL_TO(five, three, "sometimes 5 <= 3");

  const bool leader = false, follower = true;
  FAULTLINE_ALWAYS_SOME(FAULTLINE_NAMED_LIST(leader, follower), "Some role is held", {{"node", 1}});
  FAULTLINE_SOMETIMES_ALL(FAULTLINE_NAMED_LIST(leader, follower), "Every role is held at once");

  FAULTLINE_ALWAYS(false, "Details keep their shape",
                   {{"text", "quote \" backslash \\ newline \n tab \t unicode é"},
                    {"negative", int64_t{-7}},
                    {"big", uint64_t{18446744073709551615ULL}},
                    {"real", 0.25},
                    {"none", nullptr},
                    {"list", faultline::JsonArray{1, "two", false}},
                    {"nested", faultline::JsonObject{{"depth", 2}}}});

  shared_message_a();
  shared_message_b();

  faultline::setup_complete({{"phase", "assertions done"}});
  faultline::send_event("custom_event", {{"n", 1}});
  return 0;
}
