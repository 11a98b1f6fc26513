// Assertion sites: the catalog, first-pass and first-fail lines, and exact per-process counts.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "faultline/assert.h"
#include "faultline/sdk.h"
#include "json_text.h"
#include "output.h"
#include "random_source.h"

namespace faultline::sdk {
namespace {

constexpr uint32_t kDeclared = 1;
constexpr uint32_t kPassSeen = 2;
constexpr uint32_t kFailSeen = 4;

// How often counts reach the file: a killed process loses at most this much.
constexpr std::chrono::milliseconds kFlushInterval{1000};

struct KindInfo {
  const char* assert_type;
  const char* display_type;
  bool must_hit;
};

KindInfo kind_info(int32_t kind) {
  switch (kind) {
    case FAULTLINE_KIND_ALWAYS: return {"always", "Always", true};
    case FAULTLINE_KIND_ALWAYS_OR_UNREACHABLE: return {"always", "AlwaysOrUnreachable", false};
    case FAULTLINE_KIND_SOMETIMES: return {"sometimes", "Sometimes", true};
    case FAULTLINE_KIND_REACHABLE: return {"reachability", "Reachable", true};
    case FAULTLINE_KIND_UNREACHABLE: return {"reachability", "Unreachable", false};
    default: return {"always", "Always", true};
  }
}

const char* or_empty(const char* s) { return s != nullptr ? s : ""; }

// The line of one assertion, as the official C++ SDK writes it (keys sorted).
std::string assert_line(const faultline_site& site, bool hit, bool condition,
                        nlohmann::json details) {
  const KindInfo info = kind_info(site.kind);
  nlohmann::json location = {{"class", ""},
                             {"function", or_empty(site.function)},
                             {"file", or_empty(site.file)},
                             {"begin_line", site.line},
                             {"begin_column", site.column}};
  nlohmann::json body = {{"hit", hit},
                         {"must_hit", info.must_hit},
                         {"assert_type", info.assert_type},
                         {"display_type", info.display_type},
                         {"message", or_empty(site.message)},
                         {"condition", condition},
                         {"id", or_empty(site.message)},
                         {"location", std::move(location)},
                         {"details", std::move(details)}};
  return dump(nlohmann::json{{"antithesis_assert", std::move(body)}});
}

struct Counts {
  uint64_t passes = 0;
  uint64_t fails = 0;
  bool operator==(const Counts&) const = default;
};

// Every site declared in this process, and the counts last written per id.
class Registry {
 public:
  static Registry& instance() {
    static Registry* const registry = new Registry();  // never destroyed: the flusher outlives exit
    return *registry;
  }

  void declare(faultline_site* site) {
    const uint32_t before = __atomic_fetch_or(&site->state_, kDeclared, __ATOMIC_ACQ_REL);
    if (before & kDeclared) return;
    const Output& output = Output::instance();  // the header line precedes any catalog line
    std::lock_guard lock(mutex_);
    sites_.push_back(site);
    if (declared_ids_.insert(or_empty(site->message)).second) {
      const bool condition = site->kind == FAULTLINE_KIND_REACHABLE;  // as the official SDK
      output.write_line(assert_line(*site, /*hit=*/false, condition, nlohmann::json::object()));
    }
  }

  // Whether this is the first outcome of its kind for the site's id in this process: sites that
  // share a message are one assertion, with one first pass and one first fail.
  bool first_for_id(const faultline_site* site, uint32_t seen) {
    std::lock_guard lock(mutex_);
    uint32_t& emitted = emitted_by_id_[or_empty(site->message)];
    const bool first = (emitted & seen) == 0;
    emitted |= seen;
    return first;
  }

  void start_flusher_once() {
    if (flusher_started_.exchange(true, std::memory_order_acq_rel)) return;
    std::thread([this] {
      for (;;) {
        std::this_thread::sleep_for(kFlushInterval);
        flush();
      }
    }).detach();
  }

  // Writes the cumulative counts of every id whose counts changed, in one write.
  void flush() {
    const int saved_errno = errno;
    std::lock_guard lock(mutex_);
    std::map<std::string_view, Counts> now;
    for (const faultline_site* site : sites_) {
      Counts& counts = now[or_empty(site->message)];
      counts.passes += __atomic_load_n(&site->passes_, __ATOMIC_RELAXED);
      counts.fails += __atomic_load_n(&site->fails_, __ATOMIC_RELAXED);
    }
    std::string lines;
    for (const auto& [id, counts] : now) {
      auto [it, inserted] = flushed_.try_emplace(std::string(id));
      if (counts == it->second || (inserted && counts == Counts{})) continue;
      it->second = counts;
      lines += dump(nlohmann::json{{"faultline_counts",
                                    {{"id", id},
                                     {"passes", counts.passes},
                                     {"fails", counts.fails},
                                     {"pid", pid_},
                                     {"process", process_token_}}}});
      lines.push_back('\n');
    }
    Output::instance().write_lines(lines);
    errno = saved_errno;
  }

 private:
  Registry() : pid_(::getpid()), process_token_(new_process_token()) {
    std::atexit([] { Registry::instance().flush(); });
    pthread_atfork([] { Registry::instance().mutex_.lock(); },
                   [] { Registry::instance().mutex_.unlock(); },
                   [] { Registry::instance().become_child(); });
  }

  // A forked child is a new process with no counts of its own yet, and no flusher thread.
  void become_child() {
    mutex_.unlock();
    pid_ = ::getpid();
    process_token_ = new_process_token();
    for (faultline_site* site : sites_) {
      __atomic_store_n(&site->passes_, 0, __ATOMIC_RELAXED);
      __atomic_store_n(&site->fails_, 0, __ATOMIC_RELAXED);
    }
    flushed_.clear();
    flusher_started_.store(false);
  }

  // Tells processes apart where pids are reused. It must differ between processes even under a
  // fixed seed, so it comes from the kernel.
  static std::string new_process_token() {
    char token[17];
    std::snprintf(token, sizeof token, "%016llx", static_cast<unsigned long long>(os_random()));
    return token;
  }

  std::mutex mutex_;
  std::vector<faultline_site*> sites_;
  std::unordered_set<std::string> declared_ids_;
  std::map<std::string, uint32_t, std::less<>> emitted_by_id_;
  std::map<std::string, Counts, std::less<>> flushed_;
  std::atomic<bool> flusher_started_{false};
  pid_t pid_;
  std::string process_token_;
};

}  // namespace
}  // namespace faultline::sdk

using faultline::sdk::Registry;

extern "C" {

void faultline_site_register(faultline_site* site) {
  if (site == nullptr || site->message == nullptr) return;
  Registry::instance().declare(site);
}

void faultline_site_register_range(faultline_site* const* begin, faultline_site* const* end) {
  for (; begin != nullptr && begin < end; ++begin) faultline_site_register(*begin);
}

int faultline_site_record(faultline_site* site, int condition) {
  const uint32_t seen = condition ? faultline::sdk::kPassSeen : faultline::sdk::kFailSeen;
  __atomic_fetch_add(condition ? &site->passes_ : &site->fails_, 1, __ATOMIC_RELAXED);
  if (__builtin_expect((__atomic_load_n(&site->state_, __ATOMIC_RELAXED) & seen) != 0, 1)) return 0;
  // First outcome of its kind: the cold path.
  Registry& registry = Registry::instance();
  faultline_site_register(site);  // a site built at run time may not be declared yet
  registry.start_flusher_once();
  const uint32_t before = __atomic_fetch_or(&site->state_, seen, __ATOMIC_ACQ_REL);
  if ((before & seen) != 0 || !registry.first_for_id(site, seen)) return 0;
  return faultline::sdk::Output::instance().enabled() ? 1 : 0;
}

void faultline_site_emit(faultline_site* site, int condition, const char* details_json) {
  const faultline::sdk::Output& output = faultline::sdk::Output::instance();
  if (!output.enabled()) return;
  output.write_line(faultline::sdk::assert_line(*site, /*hit=*/true, condition != 0,
                                                faultline::sdk::details_from_text(details_json)));
}

void faultline_assert(faultline_site* site, int condition, const char* details_json) {
  if (faultline_site_record(site, condition)) faultline_site_emit(site, condition, details_json);
}

void faultline_flush(void) { Registry::instance().flush(); }

int faultline_output_enabled(void) { return faultline::sdk::Output::instance().enabled() ? 1 : 0; }

}  // extern "C"

namespace faultline::detail {

void emit(faultline_site& site, bool condition, const JsonObject& details) {
  const sdk::Output& output = sdk::Output::instance();
  if (!output.enabled()) return;
  output.write_line(sdk::assert_line(site, /*hit=*/true, condition, sdk::to_nlohmann(details)));
}

}  // namespace faultline::detail
