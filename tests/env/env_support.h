// Test support for environments: an observer that records, and a fixture that brings a compose
// text up with the local backend.
#ifndef FAULTLINE_TESTS_ENV_ENV_SUPPORT_H_
#define FAULTLINE_TESTS_ENV_ENV_SUPPORT_H_

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "env/environment.h"
#include "env/local/local_backend.h"
#include "subprocess.h"

namespace faultline::env {

class RecordingObserver : public EnvironmentObserver {
 public:
  void on_output(const std::string& service, const char*, const std::string& line) override {
    std::lock_guard lock(mutex_);
    output_[service].push_back(line);
    changed_.notify_all();
  }
  void on_state(const std::string& service, ServiceState state, const std::string& detail) override {
    std::lock_guard lock(mutex_);
    states_[service].push_back(state);
    details_[service] = detail;
    changed_.notify_all();
  }
  // Waits (bounded) until `service` has written `times` lines containing `text`.
  bool wait_for_output(const std::string& service, const std::string& text, Duration timeout = Duration(10000),
                       int times = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      int seen = 0;
      for (const std::string& line : output_[service]) {
        if (line.find(text) != std::string::npos && ++seen == times) return true;
      }
      return false;
    });
  }
  // Waits (bounded) until `service` has reached `state`; returns the detail given with it.
  std::optional<std::string> wait_for_state(const std::string& service, ServiceState state,
                                            Duration timeout = Duration(10000)) {
    std::unique_lock lock(mutex_);
    const bool reached = changed_.wait_for(lock, timeout, [&] {
      const auto& s = states_[service];
      return std::find(s.begin(), s.end(), state) != s.end();
    });
    if (!reached) return std::nullopt;
    return details_[service];
  }
  // Every state `service` has been in, in order.
  std::vector<ServiceState> states(const std::string& service) {
    std::lock_guard lock(mutex_);
    return states_[service];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<std::string>> output_;
  std::map<std::string, std::vector<ServiceState>> states_;
  std::map<std::string, std::string> details_;
};

class LocalEnvironmentTest : public ::testing::Test {
 protected:
  // Writes compose.yaml (with ${TCP_PROBE} and `variables` available) and loads it. Services do
  // not see the host's /tmp (where a build may live): a compose file mounts the programs it needs
  // from there.
  Project project(const std::string& compose_text, const std::map<std::string, std::string>& variables = {}) {
    std::ofstream(dir_.path() / "compose.yaml") << compose_text;
    auto env = process_environment();
    env["TCP_PROBE"] = TCP_PROBE;
    for (const auto& [name, value] : variables) env[name] = value;
    return load_project({dir_.path() / "compose.yaml"}, env);
  }
  // Creates the environment with the local backend (not yet up).
  Environment& make(const std::string& compose_text) { return make(project(compose_text)); }
  Environment& make(Project loaded) {
    environment_ = std::make_unique<Environment>(std::move(loaded), &observer_);
    Environment* environment = environment_.get();
    environment_->attach(local::make_local_backend(
        environment_->project(), [environment](const std::string& s, int status) { environment->on_exit(s, status); },
        {SANDBOX_AGENT}));
    return *environment_;
  }
  ExecResult run(const std::string& service, const std::vector<std::string>& argv, Duration timeout = Duration(10000)) {
    return run_in_service(environment_->backend(), service, argv, timeout);
  }
  // Whether `from` gets an answer over TCP from the tcp_probe server of `to` (port 7000).
  bool answers(const std::string& from, const std::string& to, int timeout_ms = 1000) {
    return run(from, {"tcp_probe", "connect", to, "7000", std::to_string(timeout_ms)}).status == 0;
  }
  // The state of a service's main process (pid 2 in its PID namespace) as the kernel shows it,
  // once it contains `wanted` (bounded: pausing and resuming are asynchronous). A look that starts
  // while the service is being paused is stopped too, until its timeout.
  std::string main_process_state(const std::string& service, const std::string& wanted) {
    std::string seen;
    for (int i = 0; i < 50 && seen.find(wanted) == std::string::npos; ++i) {
      seen = run(service, {"/bin/sh", "-c", "grep State /proc/2/status"}, Duration(1000)).output;
    }
    return seen;
  }
  void TearDown() override {
    if (environment_) environment_->down(Duration(0));
  }

  testing::TempDir dir_;
  RecordingObserver observer_;
  std::unique_ptr<Environment> environment_;
};

}  // namespace faultline::env

#endif  // FAULTLINE_TESTS_ENV_ENV_SUPPORT_H_
