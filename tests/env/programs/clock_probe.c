/* The clock tests' probe: prints the wall clock and the monotonic clock, in whole seconds, as a
 * program reads them through libc:
 *   clock_probe    prints "<CLOCK_REALTIME> <CLOCK_MONOTONIC>"
 * Built dynamically (libfaketime reaches it) and, where a static libc is there, statically (it
 * does not). */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec wall, monotonic;
  if (clock_gettime(CLOCK_REALTIME, &wall) != 0 || clock_gettime(CLOCK_MONOTONIC, &monotonic) != 0) return 1;
  printf("%lld %lld\n", (long long)wall.tv_sec, (long long)monotonic.tv_sec);
  return 0;
}
