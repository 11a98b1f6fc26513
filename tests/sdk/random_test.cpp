// Guided randomness: unbiased choices, and the same values under the same seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.h"

namespace faultline::testing {
namespace {

std::vector<uint64_t> draw(uint64_t bound, int count, const std::string& seed) {
  std::string output;
  EXPECT_EQ(run({RANDOM_PROGRAM, std::to_string(bound), std::to_string(count)},
                {{"FAULTLINE_SEED", seed}}, &output),
            0);
  std::vector<uint64_t> values;
  std::istringstream in(output);
  uint64_t v;
  while (in >> v) values.push_back(v);
  EXPECT_EQ(values.size(), static_cast<size_t>(count));
  return values;
}

TEST(Random, SameSeedSameValuesOtherSeedOtherValues) {
  EXPECT_EQ(draw(0, 100, "12345"), draw(0, 100, "12345"));
  EXPECT_EQ(draw(7, 100, "0x3039"), draw(7, 100, "12345")) << "hex and decimal seeds are one seed";
  EXPECT_NE(draw(0, 100, "12345"), draw(0, 100, "12346"));
}

TEST(Random, WithoutSeedValuesComeFromTheKernel) {
  EXPECT_NE(draw(0, 20, ""), draw(0, 20, ""));
}

// Chi-square goodness of fit for n = 1..7 with a fixed seed, against the 0.001 critical values.
TEST(Random, ChoiceOverSmallRangesIsUniform) {
  const double critical[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46};  // df = n - 1
  constexpr int kDraws = 70000;
  for (uint64_t n = 1; n <= 7; ++n) {
    const std::vector<uint64_t> values = draw(n, kDraws, "20261126");
    std::vector<double> counts(n, 0);
    for (uint64_t v : values) {
      ASSERT_LT(v, n);
      counts[v]++;
    }
    if (n == 1) continue;
    const double expected = static_cast<double>(kDraws) / static_cast<double>(n);
    double chi2 = 0;
    for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
    EXPECT_LT(chi2, critical[n - 1]) << "n = " << n;
  }
}

// A bound where taking get_random() modulo the bound is visibly biased: with b = 3 * 2^62, values
// below 2^62 would come up half of the time instead of a third.
TEST(Random, NoModuloBiasForLargeBounds) {
  constexpr uint64_t kBound = 3ULL << 62;
  constexpr int kDraws = 30000;
  int low = 0;
  for (uint64_t v : draw(kBound, kDraws, "99")) {
    ASSERT_LT(v, kBound);
    if (v < (1ULL << 62)) ++low;
  }
  const double fraction = static_cast<double>(low) / kDraws;
  EXPECT_NEAR(fraction, 1.0 / 3.0, 0.02);
}

}  // namespace
}  // namespace faultline::testing
