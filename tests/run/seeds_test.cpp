// Named seed streams: no two consumers of a run draw the same stream.
#include <gtest/gtest.h>

#include <set>

#include "run/seeds.h"

namespace faultline::run {
namespace {

TEST(Seeds, NoTwoStreamsOrItemsShareASeed) {
  std::set<uint64_t> seen;
  size_t drawn = 0;
  for (const uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{7}, ~uint64_t{0}}) {
    for (const SeedStream stream : {SeedStream::timeline, SeedStream::scheduler, SeedStream::service,
                                    SeedStream::invocation, SeedStream::faults}) {
      for (uint64_t index = 0; index < 2000; ++index) {
        seen.insert(derive_seed(seed, stream, index));
        ++drawn;
      }
    }
  }
  EXPECT_EQ(seen.size(), drawn);
  // Invocation 7 and the scheduler do not share a seed (they did when streams were numbers).
  EXPECT_NE(derive_seed(42, SeedStream::invocation, 7), derive_seed(42, SeedStream::scheduler));
  EXPECT_EQ(derive_seed(42, SeedStream::faults, 3), derive_seed(42, SeedStream::faults, 3));
}

}  // namespace
}  // namespace faultline::run
