/* The C ABI's assertion macros; sdk_wire_format_test reads what it writes. */
#include <faultline/sdk.h>
#include <stdio.h>

int main(int argc, char** argv) {
  (void)argv;
  int never = argc > 100;
  faultline_send_event("main_started", NULL);
  for (int i = 0; i < 5; ++i) FAULTLINE_ALWAYS(i < 4, "C always fails on the fifth", "{\"limit\": 4}");
  FAULTLINE_SOMETIMES(1, "C sometimes true", NULL);
  FAULTLINE_REACHABLE("C reachable", "not json at all");
  if (never) FAULTLINE_UNREACHABLE("C unreachable never reached", NULL);
  if (never) FAULTLINE_ALWAYS_OR_UNREACHABLE(0, "C always-or-unreachable never reached", NULL);
  faultline_setup_complete("{\"from\": \"C\"}");
  printf("%llu\n", (unsigned long long)faultline_random_below(10));
  return 0;
}
