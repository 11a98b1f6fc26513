// Applies nftables rule sets through libnftables, in the network namespace of the calling thread.
#ifndef FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_
#define FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_

#include <string>

namespace faultline::env::local {

// Runs an nft script (e.g. "flush ruleset\nadd table inet faultline\n..."). Returns the empty string
// on success, else nft's error text.
std::string run_nft(const std::string& script);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_
