// Writes a few keys of its own, deletes some, and checks that exactly the deleted ones are gone.
// A serial driver runs alone among drivers: at the first request that fails it stops, so that a
// fault does not hold the whole driver phase up for one request timeout after another.
#include <faultline/faultline.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "etcd_client.h"

int main() {
  etcd_example::Client client(etcd_example::random_host());
  const std::string prefix = "deletes/" + etcd_example::random_string() + "/";
  std::map<std::string, std::string> written;
  const uint64_t count = faultline::random_below(9) + 2;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string key = prefix + etcd_example::random_string();
    const std::string value = etcd_example::random_string();
    if (!client.put(key, value).ok) {
      std::printf("a put failed: stopping (wrote %zu keys)\n", written.size());
      return 0;
    }
    written[key] = value;
  }
  std::vector<std::string> deleted;
  for (auto it = written.begin(); it != written.end();) {
    if (faultline::random_below(2) == 0) {
      ++it;
      continue;
    }
    int64_t removed = 0;
    const etcd_example::Outcome outcome = client.remove(it->first, &removed);
    FAULTLINE_SOMETIMES(outcome.ok, "Client can delete keys", {{"error", outcome.error}});
    if (!outcome.ok) {  // it may or may not have been deleted: check neither way, and stop
      std::printf("a delete failed: stopping\n");
      return 0;
    }
    FAULTLINE_ALWAYS(removed == 1, "A delete of a written key removes exactly one key", {{"key", it->first}, {"deleted", removed}});
    deleted.push_back(it->first);
    it = written.erase(it);
  }
  etcd_example::Client reader(etcd_example::random_host());
  for (const std::string& key : deleted) {
    std::optional<std::string> value;
    if (!reader.get(key, &value).ok) return 0;
    FAULTLINE_ALWAYS(!value.has_value(), "Deleted keys are gone", {{"key", key}, {"member", reader.host()}});
  }
  for (const auto& entry : written) {  // (not a structured binding: clang < 16 cannot capture one)
    const std::string& key = entry.first;
    const std::string& expected = entry.second;
    std::optional<std::string> value;
    if (!reader.get(key, &value).ok) return 0;
    FAULTLINE_ALWAYS(value == expected, "Keys that were not deleted are still there",
                     {{"key", key}, {"expected", expected}, {"got", value ? faultline::JsonValue(*value) : nullptr}});
  }
  std::printf("deleted %zu keys, kept %zu\n", deleted.size(), written.size());
  return 0;
}
