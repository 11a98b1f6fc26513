// Applies nftables rule sets through libnftables.
#ifndef FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_
#define FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_

#include <string>

struct nft_ctx;

namespace faultline::env::local {

// A libnftables context, made once and kept: its netlink socket belongs to the network namespace
// of the thread that made it, and closing that socket waits for the kernel to finish cleaning up
// after the last transaction (about 10 ms on this project's machines, long after the rules are
// in force).
class Nftables {
 public:
  // Throws std::runtime_error when libnftables cannot make a context.
  Nftables();
  ~Nftables();
  Nftables(const Nftables&) = delete;
  Nftables& operator=(const Nftables&) = delete;

  // Runs an nft script (e.g. "add table inet faultline\n...") as one transaction. Returns the
  // empty string on success, else nft's error text. Call it in the namespace the context was
  // made in (libnftables may open its socket again).
  std::string run(const std::string& script);

 private:
  ::nft_ctx* ctx_;
};

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_NFTABLES_H_
