#include <sys/random.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "faultline/sdk.h"
#include "random_source.h"

namespace faultline::sdk {
namespace {

// FAULTLINE_SEED, set by faultline run for every process it starts (decimal or 0x-hex).
std::optional<uint64_t> seed_from_environment() {
  const char* text = std::getenv("FAULTLINE_SEED");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long seed = std::strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0') return std::nullopt;
  return static_cast<uint64_t>(seed);
}

struct Stream {
  std::optional<uint64_t> seed = seed_from_environment();
  std::atomic<uint64_t> drawn{0};
};

Stream& stream() {
  static Stream* const s = new Stream();
  return *s;
}

}  // namespace

uint64_t os_random() {
  uint64_t value = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&value);
  size_t filled = 0;
  while (filled < sizeof value) {
    const ssize_t n = ::getrandom(bytes + filled, sizeof value - filled, 0);
    if (n > 0) filled += static_cast<size_t>(n);
  }
  return value;
}

uint64_t seeded_value(uint64_t seed, uint64_t n) {
  uint64_t z = seed + n * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace faultline::sdk

extern "C" {

uint64_t faultline_get_random(void) {
  const int saved_errno = errno;
  faultline::sdk::Stream& s = faultline::sdk::stream();
  const uint64_t value =
      s.seed ? faultline::sdk::seeded_value(*s.seed, s.drawn.fetch_add(1) + 1)
             : faultline::sdk::os_random();
  errno = saved_errno;
  return value;
}

// Lemire's multiply-and-reject: unbiased, and usually without a division.
uint64_t faultline_random_below(uint64_t bound) {
  if (bound == 0) return 0;
  unsigned __int128 product = static_cast<unsigned __int128>(faultline_get_random()) * bound;
  auto low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(faultline_get_random()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

}  // extern "C"
