// A run's interruption (Ctrl-C, SIGTERM): a flag to test and a descriptor to poll beside others.
#ifndef FAULTLINE_SRC_RUN_CANCELLATION_H_
#define FAULTLINE_SRC_RUN_CANCELLATION_H_

#include <atomic>

namespace faultline::run {

class Cancellation {
 public:
  Cancellation();
  ~Cancellation();
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Idempotent; safe from any thread.
  void cancel();
  bool cancelled() const { return cancelled_; }
  // Readable (poll) once cancelled; never drained.
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_CANCELLATION_H_
