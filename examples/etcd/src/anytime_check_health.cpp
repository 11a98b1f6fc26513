// Checks each member's health, and that a quorum answers a linearizable read.
#include <faultline/faultline.h>

#include <cstdio>
#include <string>

#include "etcd_client.h"

int main() {
  bool all_healthy = true;
  for (const std::string& host : etcd_example::hosts()) {
    const etcd_example::Outcome health = etcd_example::Client(host, 1000).health();
    FAULTLINE_SOMETIMES(health.ok, "Members report healthy", {{"member", host}, {"error", health.error}});
    all_healthy = all_healthy && health.ok;
    std::printf("%s: %s\n", host.c_str(), health.ok ? "healthy" : health.error.c_str());
  }
  FAULTLINE_SOMETIMES(all_healthy, "Every member reports healthy at once");
  // A linearizable read needs a quorum of the members.
  etcd_example::Client client(etcd_example::random_host());
  std::optional<std::string> value;
  const etcd_example::Outcome quorum = client.get("health/probe", &value);
  FAULTLINE_SOMETIMES(quorum.ok, "A quorum answers linearizable reads", {{"member", client.host()}, {"error", quorum.error}});
  return 0;
}
