#include "network_request.h"

namespace faultline::env::local {

nlohmann::json NetworkRequest::to_json() const {
  nlohmann::json drops_json = nlohmann::json::array();
  for (const Drop& drop : drops) drops_json.push_back({{"from", drop.from}, {"to", drop.to}, {"percent", drop.percent}});
  nlohmann::json delays_json = nlohmann::json::object();
  for (const auto& [service, delay] : delays) {
    delays_json[service] = {{"mean_ms", delay.mean_ms}, {"jitter_ms", delay.jitter_ms}};
  }
  return {{"drops", drops_json}, {"delays", delays_json}, {"bandwidths", bandwidths}};
}

NetworkRequest NetworkRequest::from_json(const nlohmann::json& json) {
  NetworkRequest request;
  for (const nlohmann::json& drop : json.at("drops")) {
    request.drops.push_back({drop.at("from").get<std::string>(), drop.at("to").get<std::string>(), drop.at("percent").get<int>()});
  }
  for (const auto& [service, delay] : json.at("delays").items()) {
    request.delays[service] = {delay.at("mean_ms").get<int64_t>(), delay.at("jitter_ms").get<int64_t>()};
  }
  request.bandwidths = json.at("bandwidths").get<std::map<std::string, uint64_t>>();
  return request;
}

}  // namespace faultline::env::local
