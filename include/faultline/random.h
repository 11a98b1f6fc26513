// faultline SDK: guided randomness, for C++.
//
// Draw at the moment of each decision rather than seeding a private generator from one draw: under
// faultline every value comes from the run's seed, so a timeline replays with the same choices.
#ifndef FAULTLINE_RANDOM_H_
#define FAULTLINE_RANDOM_H_

#include <cstdint>
#include <iterator>
#include <ranges>
#include <stdexcept>

#include "faultline/sdk.h"

namespace faultline {

// A random 64-bit value: from the run's seed under faultline, from the kernel otherwise.
inline std::uint64_t get_random() { return faultline_get_random(); }

// A uniformly distributed value in [0, bound), without modulo bias. Requires bound > 0.
inline std::uint64_t random_below(std::uint64_t bound) { return faultline_random_below(bound); }

// A uniformly chosen element of a non-empty random-access range (a vector, an array, a span...).
// Throws std::invalid_argument on an empty range.
template <std::ranges::random_access_range Range>
decltype(auto) random_choice(Range&& range) {
  const auto size = std::ranges::size(range);
  if (size == 0) throw std::invalid_argument("faultline::random_choice: empty range");
  return std::ranges::begin(range)[static_cast<std::ranges::range_difference_t<Range>>(
      random_below(static_cast<std::uint64_t>(size)))];
}

// The iterator form of the official SDK: an iterator to a uniformly chosen element of [begin, end),
// or end when the range is empty.
template <std::random_access_iterator Iter>
Iter random_choice(Iter begin, Iter end) {
  const auto size = end - begin;
  if (size <= 0) return end;
  return begin + static_cast<std::iter_difference_t<Iter>>(
                     random_below(static_cast<std::uint64_t>(size)));
}

}  // namespace faultline

#endif  // FAULTLINE_RANDOM_H_
