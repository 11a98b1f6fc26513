// Where random values come from.
#ifndef FAULTLINE_SRC_SDK_RANDOM_SOURCE_H_
#define FAULTLINE_SRC_SDK_RANDOM_SOURCE_H_

#include <cstdint>

namespace faultline::sdk {

// 64 bits from the kernel (getrandom), whatever the seed.
uint64_t os_random();

// The n-th value (n = 1, 2, ...) of the stream of `seed`: a SplitMix64 step, so any value of the
// stream can be computed on its own and replayed.
uint64_t seeded_value(uint64_t seed, uint64_t n);

}  // namespace faultline::sdk

#endif  // FAULTLINE_SRC_SDK_RANDOM_SOURCE_H_
