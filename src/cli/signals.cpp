#include "signals.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <stdexcept>

namespace faultline::cli {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void block_termination_signals() {
  const sigset_t signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  const sigset_t signals = termination_signals();
  signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || stop_fd_ < 0) throw std::runtime_error("cannot watch for signals");
  thread_ = std::thread([this] { watch(); });
}

SignalWatcher::~SignalWatcher() {
  const uint64_t one = 1;
  const ssize_t ignored = write(stop_fd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  close(signal_fd_);
  close(stop_fd_);
}

void SignalWatcher::watch() {
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents & POLLIN) return;
    signalfd_siginfo info;
    if (!(fds[0].revents & POLLIN) || read(signal_fd_, &info, sizeof info) != sizeof info) continue;
    if (received_.exchange(static_cast<int>(info.ssi_signo)) == 0 && on_signal_) on_signal_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace faultline::cli
