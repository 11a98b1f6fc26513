// Once faults have stopped: the cluster heals, every member reaches the same revision, and every
// acknowledged write is readable from every member.
#include <faultline/faultline.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "acked_writes.h"
#include "etcd_client.h"

namespace {

using Clock = std::chrono::steady_clock;

// Polls the cluster (bounded in time) until `done` holds.
template <typename Check>
bool within(std::chrono::seconds limit, Check done) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (done()) return true;
    usleep(200 * 1000);
  }
  return done();
}

}  // namespace

int main() {
  const bool healed = within(std::chrono::seconds(60), [] {
    for (const std::string& host : etcd_example::hosts()) {
      if (!etcd_example::Client(host, 1000).health().ok) return false;
    }
    return true;
  });
  FAULTLINE_ALWAYS(healed, "The cluster heals once faults stop");

  faultline::JsonObject revisions;
  const bool same = within(std::chrono::seconds(20), [&] {
    revisions.clear();
    int64_t first = -1;
    bool equal = true;
    for (const std::string& host : etcd_example::hosts()) {
      int64_t revision = -1;
      if (!etcd_example::Client(host, 1000).revision(&revision).ok) return false;
      revisions[host] = revision;
      if (first < 0) first = revision;
      equal = equal && revision == first;
    }
    return equal;
  });
  FAULTLINE_ALWAYS(same, "Every member reaches the same revision", {{"revisions", revisions}});

  const auto writes = etcd_example::acked_writes();
  faultline::JsonValue missing;
  size_t checked = 0;
  for (const std::string& host : etcd_example::hosts()) {
    etcd_example::Client member(host, 2000);
    for (const auto& [key, value] : writes) {
      std::optional<std::string> stored;
      if (!member.get(key, &stored, /*serializable=*/true).ok) continue;
      ++checked;
      if (stored != value && missing == faultline::JsonValue()) {
        missing = faultline::JsonObject{{"member", host}, {"key", key}, {"expected", value},
                                        {"got", stored ? faultline::JsonValue(*stored) : nullptr}};
      }
    }
  }
  FAULTLINE_ALWAYS(missing == faultline::JsonValue(), "Every acknowledged write is readable from every member",
                   {{"first_missing", missing}, {"acknowledged", static_cast<int64_t>(writes.size())}});
  std::printf("healed: %s, same revision: %s, %zu reads of %zu acknowledged writes checked\n", healed ? "yes" : "no",
              same ? "yes" : "no", checked, writes.size());
  return 0;
}
