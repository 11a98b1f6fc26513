#include "etcd_client.h"

#include <curl/curl.h>
#include <faultline/random.h>

#include <nlohmann/json.hpp>

namespace etcd_example {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {table[n >> 18], table[(n >> 12) & 63], table[(n >> 6) & 63], table[n & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint8_t(in[i]) << 16;
    out += {table[n >> 18], table[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {table[n >> 18], table[(n >> 12) & 63], table[(n >> 6) & 63], '='};
  }
  return out;
}

std::string unbase64(const std::string& in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

size_t collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// etcd's gateway writes 64-bit numbers as strings.
int64_t number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return 0;
  const nlohmann::json& v = j[key];
  return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>();
}

}  // namespace

const std::vector<std::string>& hosts() {
  static const std::vector<std::string> all = {"etcd0", "etcd1", "etcd2"};
  return all;
}

std::string random_host() { return faultline::random_choice(hosts()); }

std::string random_string() {
  const std::string alphabet = kAlphabet;
  std::string s;
  for (int i = 0; i < 16; ++i) s.push_back(faultline::random_choice(alphabet));
  return s;
}

Client::Client(std::string host, long timeout_ms) : host_(std::move(host)), timeout_ms_(timeout_ms) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialized;
}

Outcome Client::post(const std::string& path, const std::string& body, std::string* response) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {false, "cannot create a curl handle"};
  const std::string url = "http://" + host_ + ":2379" + path;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 1000L));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
  if (!body.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    const bool never_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
    return {false, host_ + ": " + (error[0] ? error : curl_easy_strerror(rc)), never_sent};
  }
  if (http != 200) return {false, host_ + ": HTTP " + std::to_string(http) + ": " + response->substr(0, 200)};
  return {true, ""};
}

Outcome Client::put(const std::string& key, const std::string& value) {
  std::string response;
  return post("/v3/kv/put", nlohmann::json{{"key", base64(key)}, {"value", base64(value)}}.dump(), &response);
}

Outcome Client::get(const std::string& key, std::optional<std::string>* value, bool serializable) {
  std::string response;
  nlohmann::json request = {{"key", base64(key)}};
  if (serializable) request["serializable"] = true;
  Outcome outcome = post("/v3/kv/range", request.dump(), &response);
  if (!outcome.ok) return outcome;
  const nlohmann::json reply = nlohmann::json::parse(response, nullptr, false);
  if (reply.is_discarded()) return {false, host_ + ": unreadable reply"};
  value->reset();
  if (reply.contains("kvs") && !reply["kvs"].empty()) *value = unbase64(reply["kvs"][0].value("value", ""));
  return outcome;
}

Outcome Client::remove(const std::string& key, int64_t* deleted) {
  std::string response;
  Outcome outcome = post("/v3/kv/deleterange", nlohmann::json{{"key", base64(key)}}.dump(), &response);
  if (!outcome.ok) return outcome;
  const nlohmann::json reply = nlohmann::json::parse(response, nullptr, false);
  *deleted = reply.is_discarded() ? 0 : number(reply, "deleted");
  return outcome;
}

Outcome Client::revision(int64_t* revision) {
  std::string response;
  Outcome outcome = post("/v3/maintenance/status", "{}", &response);
  if (!outcome.ok) return outcome;
  const nlohmann::json reply = nlohmann::json::parse(response, nullptr, false);
  if (reply.is_discarded() || !reply.contains("header")) return {false, host_ + ": unreadable status"};
  *revision = number(reply["header"], "revision");
  return outcome;
}

Outcome Client::health() {
  std::string response;
  Outcome outcome = post("/health", "", &response);
  if (!outcome.ok) return outcome;
  const nlohmann::json reply = nlohmann::json::parse(response, nullptr, false);
  if (reply.is_discarded() || reply.value("health", "") != "true") return {false, host_ + ": unhealthy: " + response};
  return outcome;
}

}  // namespace etcd_example
