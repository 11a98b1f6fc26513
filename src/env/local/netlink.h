// Interfaces and addresses of the sandbox's network, through rtnetlink (libnl-route). Each call
// acts in the network namespace of the calling thread.
#ifndef FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_
#define FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

struct nl_sock;

namespace faultline::env::local {

// Runs `action` with the calling thread in the network namespace `netns_fd`, and back in its own
// afterwards (also when it throws). Throws std::runtime_error when it cannot enter.
void in_network_namespace(int netns_fd, const std::function<void()>& action);

// One rtnetlink connection. Methods throw std::runtime_error with libnl's reason.
class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  void create_bridge(const std::string& name);
  // A veth pair; `host_end` is attached to `bridge` and brought up.
  void create_veth(const std::string& host_end, const std::string& peer_end, const std::string& bridge);
  void move_to_namespace_of(const std::string& name, pid_t pid);
  void rename(const std::string& name, const std::string& new_name);
  void add_ipv4_address(const std::string& name, const std::string& address, int prefix_length);
  // Sets a link's MAC address ("02:fa:..."); the link must be down.
  void set_mac_address(const std::string& name, const std::string& mac);
  void bring_up(const std::string& name);
  // Deletes a link (both ends, for a veth); one that is gone already is no error.
  void remove(const std::string& name);
  // Limits what leaves `name` to `bits_per_second` (a tbf qdisc at its root, replacing any).
  void limit_rate(const std::string& name, uint64_t bits_per_second);
  // Removes the limit (the root qdisc back to the kernel's default); none is no error.
  void unlimit_rate(const std::string& name);

 private:
  int ifindex(const std::string& name);

  ::nl_sock* socket_;
};

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_
