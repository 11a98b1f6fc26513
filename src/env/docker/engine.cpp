#include "engine.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>

namespace faultline::env::docker {
namespace {

// The newest API faultline speaks (Docker 25's); an older daemon is spoken to in its own version.
constexpr int kNewestMinor = 45;
constexpr int kOldestMinor = 40;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Headers = std::unique_ptr<curl_slist, ListDeleter>;

size_t append_to_string(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// The daemon's own words for a failure: its {"message": ...}, else the body as it came.
std::string daemon_message(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  return body.size() > 500 ? body.substr(0, 500) + "..." : body;
}

// An easy handle for `method` `url` over the socket, with `body` (JSON) when it is not null.
Easy prepare(const std::string& socket, const std::string& method, const std::string& url,
             const std::string* body, Headers* headers, const char* content_type = "application/json") {
  init_curl_once();
  Easy easy(curl_easy_init());
  if (!easy) throw DockerError(0, "libcurl could not make a handle");
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_slist* list = nullptr;
  if (body != nullptr) {
    // The daemon refuses a JSON body sent without its content type.
    list = curl_slist_append(list, (std::string("Content-Type: ") + content_type).c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  } else if (method == "POST") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
  }
  list = curl_slist_append(list, "Expect:");
  headers->reset(list);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
  return easy;
}

std::string describe(const std::string& method, const std::string& path) { return method + " " + path; }

// What a list answer's items are called by: containers' and networks' "Id", volumes' "Name".
std::vector<std::string> ids_of(const nlohmann::json& items, const char* key) {
  std::vector<std::string> ids;
  if (!items.is_array()) return ids;
  for (const auto& item : items) {
    if (item.contains(key) && item[key].is_string()) ids.push_back(item[key].get<std::string>());
  }
  return ids;
}

std::string label_filter(const std::string& label) {
  return url_encode(nlohmann::json{{"label", {label}}}.dump());
}

}  // namespace

std::string socket_from_environment() {
  const char* host = std::getenv("DOCKER_HOST");
  if (host == nullptr || *host == '\0') return "/var/run/docker.sock";
  const std::string text = host;
  const std::string scheme = "unix://";
  if (text.rfind(scheme, 0) != 0) {
    throw DockerError(0, "DOCKER_HOST=" + text + ": faultline speaks to a daemon over a Unix socket only "
                         "(unix:///path/to/docker.sock)");
  }
  return text.substr(scheme.size());
}

void CancelToken::cancel() {
  cancelled_ = true;
  std::lock_guard lock(mutex_);
  if (multi_ != nullptr) curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

void CancelToken::attach(void* multi) {
  std::lock_guard lock(mutex_);
  multi_ = multi;
}

void StreamDemux::feed(const char* data, size_t size) {
  while (size > 0) {
    if (payload_left_ == 0) {
      const size_t take = std::min(size, sizeof header_ - header_filled_);
      std::copy(data, data + take, header_ + header_filled_);
      header_filled_ += take;
      data += take;
      size -= take;
      if (header_filled_ < sizeof header_) return;
      header_filled_ = 0;
      stream_ = header_[0] == 2 ? 2 : 1;
      payload_left_ = (size_t{header_[4]} << 24) | (size_t{header_[5]} << 16) | (size_t{header_[6]} << 8) |
                      size_t{header_[7]};
      continue;
    }
    const size_t take = std::min(size, payload_left_);
    sink_(stream_, data, take);
    payload_left_ -= take;
    data += take;
    size -= take;
  }
}

Engine::Engine(std::string socket_path) : socket_path_(std::move(socket_path)) {}

std::string Engine::url(const std::string& path) { return "http://docker/v" + api_version() + path; }

const std::string& Engine::api_version() {
  if (!version_.empty()) return version_;
  Headers headers;
  Easy easy = prepare(socket_path_, "GET", "http://docker/version", nullptr, &headers);
  std::string body;
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 15000L);
  const CURLcode code = curl_easy_perform(easy.get());
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK || status != 200) {
    throw DockerError(static_cast<int>(status),
                      "no Docker daemon answers at " + socket_path_ + " (" +
                          (code != CURLE_OK ? std::string(curl_easy_strerror(code)) : daemon_message(body)) +
                          "): start dockerd, or point DOCKER_HOST=unix://... at a daemon's socket "
                          "(Podman: `podman system service --time=0 unix:///run/podman/podman.sock`)");
  }
  const auto answer = nlohmann::json::parse(body, nullptr, false);
  const std::string version = answer.is_object() ? answer.value("ApiVersion", "") : "";
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2 || major != 1 || minor < kOldestMinor) {
    throw DockerError(0, "the Docker daemon at " + socket_path_ + " speaks API \"" + version +
                             "\"; faultline needs 1." + std::to_string(kOldestMinor) + " or newer (Docker 19.03+)");
  }
  version_ = "1." + std::to_string(std::min(minor, kNewestMinor));
  return version_;
}

nlohmann::json Engine::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                            std::chrono::milliseconds timeout) {
  const std::string text = body.is_null() ? "" : body.dump();
  Headers headers;
  Easy easy = prepare(socket_path_, method, url(path), body.is_null() ? nullptr : &text, &headers);
  std::string answer;
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  const CURLcode code = curl_easy_perform(easy.get());
  if (code != CURLE_OK) {
    throw DockerError(0, describe(method, path) + ": " + curl_easy_strerror(code) + " (" + socket_path_ + ")");
  }
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    throw DockerError(static_cast<int>(status),
                      describe(method, path) + ": " + std::to_string(status) + " " + daemon_message(answer));
  }
  if (answer.empty()) return nullptr;
  auto parsed = nlohmann::json::parse(answer, nullptr, false);
  if (parsed.is_discarded()) throw DockerError(static_cast<int>(status), describe(method, path) + ": an answer that is not JSON");
  return parsed;
}

void Engine::stream(const std::string& method, const std::string& path, const nlohmann::json& body,
                    const std::function<bool(const char*, size_t)>& on_data, const std::function<void()>& on_open,
                    CancelToken* cancel) {
  const std::string text = body.is_null() ? "" : body.dump();
  Headers headers;
  Easy easy = prepare(socket_path_, method, url(path), body.is_null() ? nullptr : &text, &headers);
  struct State {
    const std::function<bool(const char*, size_t)>* on_data;
    const std::function<void()>* on_open;
    bool opened = false;
    bool stopped = false;
    long status = 0;
    std::string error_body;
    CURL* easy;
    std::exception_ptr failure;  // thrown by a callback: carried past libcurl, which is C
  } state{&on_data, &on_open, false, false, 0, {}, easy.get(), nullptr};
  const auto write = +[](char* data, size_t size, size_t count, void* p) -> size_t {
    auto* s = static_cast<State*>(p);
    const size_t n = size * count;
    if (!s->opened) {
      s->opened = true;
      curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
    }
    if (s->status >= 300) {
      if (s->error_body.size() < 4096) s->error_body.append(data, n);
      return n;
    }
    try {
      if (!(*s->on_data)(data, n)) {
        s->stopped = true;
        return 0;  // ends the transfer
      }
    } catch (...) {
      s->failure = std::current_exception();
      s->stopped = true;
      return 0;
    }
    return n;
  };
  const auto header = +[](char* data, size_t size, size_t count, void* p) -> size_t {
    auto* s = static_cast<State*>(p);
    const size_t n = size * count;
    // The blank line ending the headers: the daemon streams from here on.
    if (n <= 2 && (n == 0 || data[0] == '\r' || data[0] == '\n')) {
      curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
      try {
        if (s->status < 300 && s->status >= 200 && *s->on_open) (*s->on_open)();
      } catch (...) {
        s->failure = std::current_exception();
        return 0;
      }
      s->opened = true;
    }
    return n;
  };
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy.get(), CURLOPT_HEADERFUNCTION, header);
  curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, &state);

  CURLM* multi = curl_multi_init();
  if (multi == nullptr) throw DockerError(0, "libcurl could not make a multi handle");
  curl_multi_add_handle(multi, easy.get());
  if (cancel != nullptr) cancel->attach(multi);
  CURLcode result = CURLE_OK;
  bool done = false;
  while (!done) {
    if (cancel != nullptr && cancel->cancelled()) break;
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) {
        result = message->data.result;
        done = true;
      }
    }
    if (done || running == 0) break;
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  if (cancel != nullptr) cancel->attach(nullptr);
  curl_multi_remove_handle(multi, easy.get());
  curl_multi_cleanup(multi);
  if (state.failure) std::rethrow_exception(state.failure);
  if (cancel != nullptr && cancel->cancelled()) return;
  if (state.stopped) return;
  if (state.status >= 300) {
    throw DockerError(static_cast<int>(state.status), describe(method, path) + ": " + std::to_string(state.status) +
                                                          " " + daemon_message(state.error_body));
  }
  if (result != CURLE_OK) throw DockerError(0, describe(method, path) + ": " + curl_easy_strerror(result));
}

void Engine::import_image(const std::string& tarball, const std::string& repository, const std::string& tag) {
  const std::string path = "/images/create?fromSrc=-&repo=" + url_encode(repository) + "&tag=" + url_encode(tag);
  Headers headers;
  Easy easy = prepare(socket_path_, "POST", url(path), &tarball, &headers, "application/x-tar");
  std::string answer;
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(tarball.size()));
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, 300L);
  const CURLcode code = curl_easy_perform(easy.get());
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK) throw DockerError(0, "POST " + path + ": " + curl_easy_strerror(code));
  if (status >= 300) throw DockerError(static_cast<int>(status), "POST " + path + ": " + daemon_message(answer));
  // A stream of progress objects, answered 200 before the import is done: a failure is one that
  // carries "error".
  for (size_t start = 0; start < answer.size();) {
    size_t end = answer.find('\n', start);
    if (end == std::string::npos) end = answer.size();
    const auto line = nlohmann::json::parse(answer.substr(start, end - start), nullptr, false);
    if (line.is_object() && line.contains("error")) {
      throw DockerError(static_cast<int>(status), "POST " + path + ": " + line["error"].dump());
    }
    start = end + 1;
  }
}

std::vector<std::string> Engine::containers_with_label(const std::string& label) {
  return ids_of(call("GET", "/containers/json?all=1&filters=" + label_filter(label)), "Id");
}

std::vector<std::string> Engine::networks_with_label(const std::string& label) {
  return ids_of(call("GET", "/networks?filters=" + label_filter(label)), "Id");
}

std::vector<std::string> Engine::volumes_with_label(const std::string& label) {
  const auto answer = call("GET", "/volumes?filters=" + label_filter(label));
  return answer.is_object() && answer.contains("Volumes") ? ids_of(answer["Volumes"], "Name") : std::vector<std::string>{};
}

namespace {
void ignoring_gone(const std::function<void()>& remove) {
  try {
    remove();
  } catch (const DockerError& e) {
    if (e.status() != 404) throw;
  }
}
}  // namespace

void Engine::remove_container(const std::string& id) {
  ignoring_gone([&] { call("DELETE", "/containers/" + id + "?force=1&v=1"); });
}

void Engine::remove_network(const std::string& id) {
  ignoring_gone([&] { call("DELETE", "/networks/" + id); });
}

void Engine::remove_volume(const std::string& name) {
  ignoring_gone([&] { call("DELETE", "/volumes/" + url_encode(name) + "?force=1"); });
}

int Engine::remove_labeled(const std::string& label) {
  int removed = 0;
  std::string first_error;
  const auto each = [&](const std::vector<std::string>& ids, void (Engine::*remove)(const std::string&)) {
    for (const std::string& id : ids) {
      try {
        (this->*remove)(id);
        ++removed;
      } catch (const std::exception& e) {
        if (first_error.empty()) first_error = e.what();
      }
    }
  };
  const auto listed = [&](std::vector<std::string> (Engine::*list)(const std::string&)) {
    try {
      return (this->*list)(label);
    } catch (const std::exception& e) {
      if (first_error.empty()) first_error = e.what();
      return std::vector<std::string>{};
    }
  };
  // Containers first: a network or volume in use cannot be removed.
  each(listed(&Engine::containers_with_label), &Engine::remove_container);
  each(listed(&Engine::networks_with_label), &Engine::remove_network);
  each(listed(&Engine::volumes_with_label), &Engine::remove_volume);
  if (!first_error.empty()) throw DockerError(0, "removing what carries " + label + ": " + first_error);
  return removed;
}

std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace faultline::env::docker
