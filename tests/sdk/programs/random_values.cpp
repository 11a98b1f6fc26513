// Prints COUNT values of random_below(BOUND), or of get_random() when BOUND is 0.
// Usage: random_values BOUND COUNT
#include <faultline/random.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const unsigned long long bound = std::strtoull(argv[1], nullptr, 0);
  const long count = std::atol(argv[2]);
  for (long i = 0; i < count; ++i) {
    const unsigned long long v = bound == 0 ? faultline::get_random() : faultline::random_below(bound);
    std::printf("%llu\n", v);
  }
  return 0;
}
