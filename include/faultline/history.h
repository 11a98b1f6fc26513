// faultline SDK: recording operation histories, for C++.
//
//   faultline::history::Client client;                       // one per thread of requests
//   auto op = client.invoke("put", "greeting", "hello");     // before sending the request
//   if (ok) op.ok(); else if (surely_not_applied) op.fail(); else op.info();
//   auto read = client.invoke("get", "greeting");
//   read.ok(value_read);                                     // a read's result is its value
//
// `faultline run` gathers every history of a timeline and checks it for linearizability when the
// template names a model (x-faultline: {model: kv}); `faultline check` reads the files too.
#ifndef FAULTLINE_HISTORY_H_
#define FAULTLINE_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faultline/json.h"

namespace faultline::history {

class Client;

// One operation, from its invocation to its completion. Completing it twice does nothing; an
// operation destroyed without a completion is recorded as unknown (info).
class Operation {
 public:
  Operation(Operation&& other) noexcept;
  Operation& operator=(Operation&&) = delete;
  Operation(const Operation&) = delete;
  ~Operation();

  // It took effect; `result` is what it returned (a read's value; nothing for a write).
  void ok(const JsonValue& result = nullptr);
  // It did not take effect.
  void fail();
  // Unknown: it may have taken effect, now or later. The client continues under a new process id.
  void info();

 private:
  friend class Client;
  Operation(Client* client, std::string f, std::optional<std::string> key, JsonValue input);
  void complete(const char* type, const JsonValue& value);
  Client* client_;
  std::string f_;
  std::optional<std::string> key_;
  JsonValue input_;
  bool done_ = false;
};

// A client: a sequence of operations, one at a time (Jepsen's process). Not thread-safe: give
// each thread its own.
class Client {
 public:
  Client();
  // Records the invocation of `f` (with `value` as its argument) on `key` (if any).
  Operation invoke(std::string_view f, std::optional<std::string_view> key = std::nullopt,
                   const JsonValue& value = nullptr);
  int64_t process() const { return process_; }

 private:
  friend class Operation;
  int64_t process_;
};

}  // namespace faultline::history

#endif  // FAULTLINE_HISTORY_H_
