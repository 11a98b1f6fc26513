#include "netlink.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

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

}  // namespace

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

}  // namespace faultline::env::local
