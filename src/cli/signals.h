// The signals that end faultline (SIGINT, SIGTERM, SIGHUP): blocked in every thread from the start
// of main, and taken by one watcher thread, so that teardown always runs.
#ifndef FAULTLINE_SRC_CLI_SIGNALS_H_
#define FAULTLINE_SRC_CLI_SIGNALS_H_

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace faultline::cli {

sigset_t termination_signals();

// Blocks the termination signals in the calling thread and every thread it starts afterwards.
void block_termination_signals();

// While it lives, calls `on_signal(number)` on a thread of its own for the first termination signal
// that arrives (later ones are taken and ignored).
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The signal taken, or 0.
  int received() const { return received_; }

 private:
  void watch();
  std::function<void(int)> on_signal_;
  int signal_fd_ = -1;
  int stop_fd_ = -1;
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_SIGNALS_H_
