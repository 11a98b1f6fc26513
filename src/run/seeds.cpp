#include "seeds.h"

namespace faultline::run {
namespace {

uint64_t split_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t derive_seed(uint64_t seed, SeedStream stream, uint64_t index) {
  return split_mix(split_mix(seed ^ split_mix(static_cast<uint64_t>(stream))) + index);
}

}  // namespace faultline::run
