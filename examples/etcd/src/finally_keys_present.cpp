// At the end of a timeline where every command completed: every key written in it is there.
#include <faultline/faultline.h>

#include <cstdio>

#include "acked_writes.h"
#include "etcd_client.h"

int main() {
  const auto writes = etcd_example::acked_writes();
  etcd_example::Client client(etcd_example::random_host());
  faultline::JsonValue missing;
  for (const auto& [key, value] : writes) {
    std::optional<std::string> stored;
    const etcd_example::Outcome get = client.get(key, &stored);
    if (!get.ok) continue;
    if (stored != value) {
      missing = faultline::JsonObject{{"key", key}, {"expected", value}, {"got", stored ? faultline::JsonValue(*stored) : nullptr}};
      break;
    }
  }
  FAULTLINE_ALWAYS(missing == faultline::JsonValue(), "Every key written in this timeline is present",
                   {{"first_missing", missing}, {"written", static_cast<int64_t>(writes.size())}});
  std::printf("%zu keys written in this timeline checked\n", writes.size());
  return 0;
}
