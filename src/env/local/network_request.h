// Network conditions as faultline sends them to its sandbox agent (the "network" request of
// agent_protocol.h): cuts and losses resolved to addresses, one entry per direction; delays and
// bandwidth limits by service, since they are put in force inside each service's namespace.
#ifndef FAULTLINE_SRC_ENV_LOCAL_NETWORK_REQUEST_H_
#define FAULTLINE_SRC_ENV_LOCAL_NETWORK_REQUEST_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace faultline::env::local {

struct NetworkRequest {
  // Packets from address `from` to address `to` are dropped with probability percent/100.
  struct Drop {
    std::string from, to;
    int percent = 100;
  };
  struct Delay {
    int64_t mean_ms = 0, jitter_ms = 0;
    bool operator==(const Delay&) const = default;
  };
  std::vector<Drop> drops;
  std::map<std::string, Delay> delays;         // by service
  std::map<std::string, uint64_t> bandwidths;  // bits per second, by service

  nlohmann::json to_json() const;
  // Throws nlohmann::json's exceptions (std::exception) for a message of another shape.
  static NetworkRequest from_json(const nlohmann::json& json);
};

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_NETWORK_REQUEST_H_
