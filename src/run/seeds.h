// A run's seeds: everything random in a run comes from its one seed through named streams, so that
// no two consumers ever draw the same numbers and a timeline can be replayed alone from its seed.
#ifndef FAULTLINE_SRC_RUN_SEEDS_H_
#define FAULTLINE_SRC_RUN_SEEDS_H_

#include <cstdint>

namespace faultline::run {

enum class SeedStream : uint64_t {
  timeline = 1,    // a timeline's seed, from the run's (index: the timeline's number)
  scheduler = 2,   // the Test Composer's choices, from a timeline's
  service = 3,     // FAULTLINE_SEED of a service's processes (index: the service's place)
  invocation = 4,  // FAULTLINE_SEED of a command invocation (index: its number)
  faults = 5,      // the fault schedule, from a timeline's
};

// The seed of item `index` of `stream`, derived from `seed` (two SplitMix64 steps: one for the
// stream, one for the item).
uint64_t derive_seed(uint64_t seed, SeedStream stream, uint64_t index = 0);

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SEEDS_H_
