// What the sandbox agent does to put network conditions in force: cuts and losses as one
// nftables table on the bridge in the sandbox's own network namespace, where every service's
// traffic meets; delays and bandwidth limits inside the sending service's network namespace.
#ifndef FAULTLINE_SRC_ENV_LOCAL_SHAPING_H_
#define FAULTLINE_SRC_ENV_LOCAL_SHAPING_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "network_request.h"
#include "nftables.h"

namespace faultline::env::local {

// The nft script that replaces the sandbox's drop table with `drops` in one transaction (none:
// deletes it). For the network namespace of the bridge.
std::string drop_table_script(const std::vector<NetworkRequest::Drop>& drops);

// One running service's delay and bandwidth limit. The delay's machinery is made the first time
// it is needed and kept while the service runs: a queue reader process, an iptables-nft rule that
// queues the packets carrying kDelayMark to it, and an nftables table of faultline's own that
// marks what leaves eth0 while a delay is wanted (so that changing a delay takes one nftables
// transaction and no program is run).
class ServiceShaping {
 public:
  // `netns_fd`: the service's network namespace (not owned; must outlive this). `reader_program`:
  // faultline-sandbox, run as `faultline-sandbox delay` for the queue reader (the agent is it).
  ServiceShaping(std::string service, int netns_fd, std::string reader_program = "/proc/self/exe");
  // Ends the queue reader.
  ~ServiceShaping();
  ServiceShaping(const ServiceShaping&) = delete;
  ServiceShaping& operator=(const ServiceShaping&) = delete;

  // Puts this delay (none: packets leave at once) and limit (0: none) in force. Throws
  // std::runtime_error naming the service and what failed.
  void apply(const std::optional<NetworkRequest::Delay>& delay, uint64_t bits_per_second);

  // The queue reader's pid, -1 without one; the agent reaps it if it dies by itself and then
  // calls reader_ended.
  pid_t reader() const { return reader_; }
  void reader_ended();

 private:
  void set_delay(const std::optional<NetworkRequest::Delay>& delay);
  // Starts the queue reader; await_reader waits until its queue is bound.
  void start_reader();
  void await_reader();
  void install_queue_rule();
  void set_marking(bool on);

  std::string service_;
  int netns_fd_;
  std::string reader_program_;
  pid_t reader_ = -1;
  int reader_fd_ = -1;
  bool reader_ready_ = false;
  bool queue_rule_ = false;
  bool marking_ = false;
  std::unique_ptr<Nftables> nft_;                      // made in the service's namespace
  std::optional<NetworkRequest::Delay> reader_delay_;  // what the reader was last told
  uint64_t bits_per_second_ = 0;
};

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_SHAPING_H_
