// The tutorial's one-shot health checker: it starts once compose's health checks pass, confirms
// that every member answers, says so and signals setup complete.
#include <faultline/faultline.h>
#include <unistd.h>

#include <cstdio>

#include "etcd_client.h"

int main() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool healthy = true;
    for (const std::string& host : etcd_example::hosts()) healthy = healthy && etcd_example::Client(host, 1000).health().ok;
    if (healthy) {
      std::printf("Client [health-checker]: cluster is healthy!\n");
      faultline::setup_complete({{"message", "etcd cluster is healthy"}});
      return 0;
    }
    usleep(200 * 1000);
  }
  std::printf("Client [health-checker]: cluster is not healthy after 10 s\n");
  return 1;
}
