// Interfaces and addresses of the sandbox's network, through rtnetlink (libnl-route). Each call
// acts in the network namespace of the calling thread.
#ifndef FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_
#define FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_

#include <sys/types.h>

#include <string>

struct nl_sock;

namespace faultline::env::local {

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
  void bring_up(const std::string& name);

 private:
  ::nl_sock* socket_;
};

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_NETLINK_H_
