// A small client of etcd's v3 API, through the JSON gateway that every etcd serves on its client
// port (/v3/kv/put, /v3/kv/range, ...), over libcurl with timeouts: a fault makes a request fail
// instead of hang. Plus the tutorial's helpers: a random host, random strings.
#ifndef FAULTLINE_EXAMPLES_ETCD_ETCD_CLIENT_H_
#define FAULTLINE_EXAMPLES_ETCD_ETCD_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etcd_example {

// The cluster's members, as the tutorial names them.
const std::vector<std::string>& hosts();

// A host picked with the SDK's random_choice.
std::string random_host();

// 16 characters drawn one by one from letters and digits with random_choice.
std::string random_string();

// The outcome of one request: ok, or the error a person can read.
struct Outcome {
  bool ok = false;
  std::string error;
  bool never_sent = false;  // the request did not reach etcd (it cannot have taken effect)
};

class Client {
 public:
  // Talks to `host`:2379; every request gives up after `timeout_ms`.
  explicit Client(std::string host, long timeout_ms = 2000);
  const std::string& host() const { return host_; }

  Outcome put(const std::string& key, const std::string& value);
  // The value, nullopt when the key is absent; `serializable` reads this member's own state.
  Outcome get(const std::string& key, std::optional<std::string>* value, bool serializable = false);
  // Deletes `key`; `deleted` is how many keys went.
  Outcome remove(const std::string& key, int64_t* deleted);
  // This member's current revision.
  Outcome revision(int64_t* revision);
  // GET /health of this member.
  Outcome health();

 private:
  Outcome post(const std::string& path, const std::string& body, std::string* response);
  std::string host_;
  long timeout_ms_;
};

}  // namespace etcd_example

#endif  // FAULTLINE_EXAMPLES_ETCD_ETCD_CLIENT_H_
