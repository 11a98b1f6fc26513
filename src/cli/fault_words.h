// `faultline env fault KIND SERVICE [VALUE] [--from A,B] [--to B] [--one-way] [--jitter D]`: the
// words a user types, as a fault (chaosd's and toxiproxy-cli's way of reproducing a problem).
#ifndef FAULTLINE_SRC_CLI_FAULT_WORDS_H_
#define FAULTLINE_SRC_CLI_FAULT_WORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "faults/fault.h"

namespace faultline::cli {

struct FaultWords {
  std::vector<std::string> words;  // KIND SERVICE [VALUE]
  std::string from;                // partition: the other side (default: every other service)
  std::string to;                  // loss: the one peer (default: every other service)
  bool one_way = false;
  std::string jitter;              // latency
};

// Throws std::invalid_argument saying what is wrong and what is expected.
faults::Fault fault_from_words(const FaultWords& words, const std::vector<std::string>& services);

// "1mbit", "500kbit", "2gbit", "64bit"; "1mbps", "100kbps" (bytes). Throws std::invalid_argument.
uint64_t parse_bits_per_second(const std::string& text);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_FAULT_WORDS_H_
