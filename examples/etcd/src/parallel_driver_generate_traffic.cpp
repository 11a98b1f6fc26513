// The tutorial's driver, in C++: puts random keys through one random member, then reads them back
// through another and compares. Failed requests are expected under faults: they are reported,
// and the command goes on. It always exits 0. Every put and get is also recorded in the
// operation history, which faultline checks for linearizability (x-faultline: {model: kv}).
#include <faultline/faultline.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "acked_writes.h"
#include "etcd_client.h"

using etcd_example::Client;

namespace {

faultline::history::Client recorder;

// A request's outcome in the history: ok, fail (it never reached etcd), or unknown.
void complete(faultline::history::Operation& op, const etcd_example::Outcome& outcome, const faultline::JsonValue& result = nullptr) {
  if (outcome.ok) {
    op.ok(result);
  } else if (outcome.never_sent) {
    op.fail();
  } else {
    op.info();
  }
}

std::vector<std::pair<std::string, std::string>> simulate_traffic() {
  const std::string prefix = etcd_example::random_string();
  Client client(etcd_example::random_host());
  const uint64_t requests = faultline::get_random() % 100 + 1;
  std::vector<std::pair<std::string, std::string>> kvs;
  for (uint64_t i = 0; i < requests; ++i) {
    const std::string key = prefix + etcd_example::random_string();
    const std::string value = etcd_example::random_string();
    auto recorded = recorder.invoke("put", key, value);
    const etcd_example::Outcome put = client.put(key, value);
    complete(recorded, put);
    FAULTLINE_SOMETIMES(put.ok, "Client can make successful put requests", {{"error", put.error}});
    if (put.ok) {
      kvs.emplace_back(key, value);
      etcd_example::record_acked_write(key, value);
      std::printf("Client: successful put with key '%s' and value '%s'\n", key.c_str(), value.c_str());
    } else {
      FAULTLINE_SOMETIMES(true, "Client put requests can fail", {{"error", put.error}});
      std::printf("Client: unsuccessful put with key '%s', value '%s', and error '%s'\n", key.c_str(), value.c_str(),
                  put.error.c_str());
    }
  }
  return kvs;
}

// Returns whether every value read back matches; `mismatch` says where one did not.
bool validate_puts(const std::vector<std::pair<std::string, std::string>>& kvs, faultline::JsonValue* mismatch) {
  Client client(etcd_example::random_host());
  for (const auto& [key, value] : kvs) {
    std::optional<std::string> stored;
    auto recorded = recorder.invoke("get", key);
    const etcd_example::Outcome get = client.get(key, &stored);
    complete(recorded, get, stored ? faultline::JsonValue(*stored) : nullptr);
    FAULTLINE_SOMETIMES(get.ok, "Client can make successful get requests", {{"error", get.error}});
    if (!get.ok) {
      FAULTLINE_SOMETIMES(true, "Client get requests can fail", {{"error", get.error}});
      std::printf("Client: unsuccessful get with key '%s', and error '%s'\n", key.c_str(), get.error.c_str());
      continue;
    }
    if (stored != value) {
      *mismatch = faultline::JsonObject{{"key", key}, {"expected", value}, {"got", stored ? faultline::JsonValue(*stored) : nullptr}};
      return false;
    }
  }
  return true;
}

}  // namespace

int main() {
  const auto kvs = simulate_traffic();
  faultline::JsonValue mismatch;
  const bool values_stay_consistent = validate_puts(kvs, &mismatch);
  FAULTLINE_ALWAYS(values_stay_consistent, "Database key values stay consistent", {{"mismatch", mismatch}});
  std::printf("Client: %zu keys written, values %s\n", kvs.size(), values_stay_consistent ? "consistent" : "NOT consistent");
  return 0;
}
