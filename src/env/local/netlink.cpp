#include "netlink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace faultline::env::local {
namespace {

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error(what + ": " + nl_geterror(rc));
}

struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;

struct QdiscDeleter {
  void operator()(rtnl_qdisc* qdisc) const { rtnl_qdisc_put(qdisc); }
};
using QdiscPtr = std::unique_ptr<rtnl_qdisc, QdiscDeleter>;

}  // namespace

void in_network_namespace(int netns_fd, const std::function<void()>& action) {
  const int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) throw std::runtime_error(std::string("cannot open this network namespace: ") + std::strerror(errno));
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    const int err = errno;
    close(own);
    throw std::runtime_error(std::string("setns: ") + std::strerror(err));
  }
  try {
    action();
  } catch (...) {
    setns(own, CLONE_NEWNET);
    close(own);
    throw;
  }
  setns(own, CLONE_NEWNET);
  close(own);
}

Netlink::Netlink() : socket_(nl_socket_alloc()) {
  if (socket_ == nullptr) throw std::runtime_error("netlink: cannot allocate a socket");
  const int rc = nl_connect(socket_, NETLINK_ROUTE);
  if (rc < 0) {
    nl_socket_free(socket_);
    throw std::runtime_error(std::string("netlink: cannot connect: ") + nl_geterror(rc));
  }
}

Netlink::~Netlink() { nl_socket_free(socket_); }

void Netlink::create_bridge(const std::string& name) {
  LinkPtr link(rtnl_link_bridge_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  check(rtnl_link_add(socket_, link.get(), NLM_F_CREATE | NLM_F_EXCL), "create bridge " + name);
  bring_up(name);
}

void Netlink::create_veth(const std::string& host_end, const std::string& peer_end, const std::string& bridge) {
  LinkPtr veth(rtnl_link_veth_alloc());
  rtnl_link_set_name(veth.get(), host_end.c_str());
  rtnl_link* peer = rtnl_link_veth_get_peer(veth.get());
  rtnl_link_set_name(peer, peer_end.c_str());
  rtnl_link_put(peer);
  int master = 0;
  {
    rtnl_link* bridge_link = nullptr;
    check(rtnl_link_get_kernel(socket_, 0, bridge.c_str(), &bridge_link), "find bridge " + bridge);
    master = rtnl_link_get_ifindex(bridge_link);
    rtnl_link_put(bridge_link);
  }
  rtnl_link_set_master(veth.get(), master);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  check(rtnl_link_add(socket_, veth.get(), NLM_F_CREATE | NLM_F_EXCL), "create veth " + host_end);
}

void Netlink::move_to_namespace_of(const std::string& name, pid_t pid) {
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_ns_pid(change.get(), pid);
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  LinkPtr current(link);
  check(rtnl_link_change(socket_, current.get(), change.get(), 0), "move " + name);
}

void Netlink::rename(const std::string& name, const std::string& new_name) {
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  LinkPtr current(link);
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_name(change.get(), new_name.c_str());
  check(rtnl_link_change(socket_, current.get(), change.get(), 0), "rename " + name);
}

void Netlink::add_ipv4_address(const std::string& name, const std::string& address, int prefix_length) {
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  const int ifindex = rtnl_link_get_ifindex(link);
  rtnl_link_put(link);
  nl_addr* local = nullptr;
  check(nl_addr_parse((address + "/" + std::to_string(prefix_length)).c_str(), AF_INET, &local),
        "parse " + address);
  rtnl_addr* addr = rtnl_addr_alloc();
  rtnl_addr_set_ifindex(addr, ifindex);
  const int rc = rtnl_addr_set_local(addr, local);
  nl_addr_put(local);
  if (rc >= 0) {
    const int add = rtnl_addr_add(socket_, addr, 0);
    rtnl_addr_put(addr);
    check(add, "add address " + address + " to " + name);
    return;
  }
  rtnl_addr_put(addr);
  check(rc, "set address " + address);
}

void Netlink::bring_up(const std::string& name) {
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  LinkPtr current(link);
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  check(rtnl_link_change(socket_, current.get(), change.get(), 0), "bring up " + name);
}

void Netlink::set_mac_address(const std::string& name, const std::string& mac) {
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  LinkPtr current(link);
  nl_addr* address = nullptr;
  check(nl_addr_parse(mac.c_str(), AF_LLC, &address), "parse " + mac);
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_addr(change.get(), address);
  nl_addr_put(address);
  check(rtnl_link_change(socket_, current.get(), change.get(), 0), "set the address of " + name);
}

void Netlink::remove(const std::string& name) {
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(socket_, 0, name.c_str(), &link) < 0) return;
  LinkPtr current(link);
  const int rc = rtnl_link_delete(socket_, current.get());
  if (rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND) check(rc, "delete " + name);
}

int Netlink::ifindex(const std::string& name) {
  rtnl_link* link = nullptr;
  check(rtnl_link_get_kernel(socket_, 0, name.c_str(), &link), "find " + name);
  const int index = rtnl_link_get_ifindex(link);
  rtnl_link_put(link);
  return index;
}

void Netlink::limit_rate(const std::string& name, uint64_t bits_per_second) {
  // libnl's tbf takes bytes per second as an int: 17 Gbit/s at most.
  constexpr uint64_t kMaxBytesPerSecond = INT32_MAX;
  const uint64_t bytes_per_second = std::max<uint64_t>(bits_per_second / 8, 1);
  if (bytes_per_second > kMaxBytesPerSecond) {
    throw std::runtime_error("a bandwidth of " + std::to_string(bits_per_second) +
                             " bits per second is above what tbf takes (17 Gbit/s)");
  }
  // The bucket lets a few full-size packets pass at once (less and nothing the size of the MTU
  // could ever leave); the queue holds 200 ms of traffic, as a real link's buffer would.
  constexpr uint64_t kMinBucket = 4 * 1514;
  const uint64_t bucket = std::max<uint64_t>(bytes_per_second / 100, kMinBucket);
  const uint64_t limit = std::max<uint64_t>(bytes_per_second / 5, 2 * bucket);
  QdiscPtr qdisc(rtnl_qdisc_alloc());
  rtnl_tc_set_ifindex(TC_CAST(qdisc.get()), ifindex(name));
  rtnl_tc_set_parent(TC_CAST(qdisc.get()), TC_H_ROOT);
  rtnl_tc_set_handle(TC_CAST(qdisc.get()), TC_HANDLE(1, 0));
  check(rtnl_tc_set_kind(TC_CAST(qdisc.get()), "tbf"), "tbf on " + name);
  rtnl_qdisc_tbf_set_limit(qdisc.get(), static_cast<int>(std::min<uint64_t>(limit, INT32_MAX)));
  rtnl_qdisc_tbf_set_rate(qdisc.get(), static_cast<int>(bytes_per_second),
                          static_cast<int>(std::min<uint64_t>(bucket, INT32_MAX)), 0);
  check(rtnl_qdisc_add(socket_, qdisc.get(), NLM_F_CREATE | NLM_F_REPLACE), "set a tbf qdisc on " + name);
}

void Netlink::unlimit_rate(const std::string& name) {
  QdiscPtr qdisc(rtnl_qdisc_alloc());
  rtnl_tc_set_ifindex(TC_CAST(qdisc.get()), ifindex(name));
  rtnl_tc_set_parent(TC_CAST(qdisc.get()), TC_H_ROOT);
  const int rc = rtnl_qdisc_delete(socket_, qdisc.get());
  if (rc != -NLE_OBJ_NOTFOUND && rc != -NLE_INVAL) check(rc, "remove the qdisc of " + name);
}

}  // namespace faultline::env::local
