// Many threads writing SDK lines at once: sdk_concurrency_test starts several of these on one file.
// Usage: stress TAG THREADS EVENTS_PER_THREAD
#include <faultline/faultline.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const std::string tag = argv[1];
  const int threads = std::atoi(argv[2]);
  const int events = std::atoi(argv[3]);
  const std::string padding(300, 'x');  // long lines make torn writes likely if writes were split
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < events; ++i) {
        faultline::send_event("stress", {{"tag", tag}, {"thread", t}, {"seq", i}, {"pad", padding}});
        FAULTLINE_ALWAYS(i >= 0, "Stress assertion", {{"thread", t}});
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
