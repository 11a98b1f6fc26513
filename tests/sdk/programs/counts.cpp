// Evaluates one assertion PASSES times true and FAILS times false. Then, with MODE "exit", returns;
// with MODE "wait", prints "done" and waits to be killed (to test the periodic flush).
// Usage: counts PASSES FAILS MODE
#include <faultline/faultline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const long passes = std::atol(argv[1]);
  const long fails = std::atol(argv[2]);
  for (long i = 0; i < passes + fails; ++i) FAULTLINE_ALWAYS(i < passes, "Counted assertion");
  if (std::strcmp(argv[3], "wait") == 0) {
    std::printf("done\n");
    std::fflush(stdout);
    for (;;) pause();
  }
  return 0;
}
