// faultline-docker-reaper --socket PATH --label faultline.run=ID
//
// Started by faultline (Reaper::start) in a session of its own, with fd 3 the read end of a pipe
// only the runner holds the write end of, and fd 4 its status pipe (reaper_protocol.h). It waits
// until the runner is gone, however it went (exit, crash, SIGKILL), and then removes every
// container, network and volume carrying the label: never anything without it.
//
// Signals: SIGINT and SIGHUP are ignored (a terminal's, meant for the runner); SIGTERM (shutdown,
// an operator) cleans up as the runner's end does, then exits. After the runner's end it works at
// most 60 s (25 s after a finish on purpose, for which the runner waits), then gives up.
#include <signal.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "env/docker/engine.h"
#include "env/docker/reaper_protocol.h"

namespace {

using faultline::env::docker::kReaperLifelineFd;
using faultline::env::docker::kReaperStatusFd;

constexpr int kMostPasses = 3;
constexpr auto kBetweenPasses = std::chrono::seconds(1);
// How long after a killed runner's end a container it was creating may still appear.
constexpr auto kSettle = std::chrono::seconds(1);
constexpr unsigned kBudgetAfterDeathSeconds = 60;
constexpr unsigned kBudgetAfterFinishSeconds = 25;

void status_line(const std::string& line) {
  const std::string text = line + "\n";
  // SIGPIPE is ignored: a runner that is gone just does not read it.
  [[maybe_unused]] const ssize_t ignored = write(kReaperStatusFd, text.data(), text.size());
}

void out_of_time(int) {
  static const char kMessage[] = "faultline-docker-reaper: out of time removing the run's containers, networks and volumes\n";
  static const char kStatus[] = "failed out of time\n";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  ignored = write(kReaperStatusFd, kStatus, sizeof kStatus - 1);
  _exit(1);
}

int usage() {
  std::fprintf(stderr, "usage: faultline-docker-reaper --socket PATH --label KEY=VALUE (started by faultline, fd 3 its pipe)\n");
  return 2;
}

enum class End { finished, gone, terminated };

// Blocks until the runner's end of fd 3 closes (or SIGTERM comes on `signal_fd`).
End wait_for_the_end(int signal_fd) {
  bool finish_announced = false;
  while (true) {
    pollfd fds[2] = {{kReaperLifelineFd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return End::gone;  // cannot wait any more: better clean up now than never
    }
    if (fds[1].revents & POLLIN) return End::terminated;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      char buffer[64];
      const ssize_t n = read(kReaperLifelineFd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return finish_announced ? End::finished : End::gone;
      if (std::memchr(buffer, faultline::env::docker::kReaperFinishByte, static_cast<size_t>(n)) != nullptr) {
        finish_announced = true;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path;
  std::string label;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--socket" && i + 1 < argc) {
      socket_path = argv[++i];
    } else if (arg == "--label" && i + 1 < argc) {
      label = argv[++i];
    } else {
      return usage();
    }
  }
  if (socket_path.empty() || !faultline::env::docker::valid_reaper_label(label)) return usage();
  if (fcntl(kReaperLifelineFd, F_GETFD) < 0 || fcntl(kReaperStatusFd, F_GETFD) < 0) {
    std::fprintf(stderr, "faultline-docker-reaper: fd 3 and fd 4 must be its pipes (it is started by faultline)\n");
    return 2;
  }
  // It starts nothing, but a library that did would pass them on.
  fcntl(kReaperLifelineFd, F_SETFD, FD_CLOEXEC);
  fcntl(kReaperStatusFd, F_SETFD, FD_CLOEXEC);

  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  const int signal_fd = signalfd(-1, &term, SFD_CLOEXEC);
  if (signal_fd < 0) {
    status_line(std::string("error signalfd: ") + std::strerror(errno));
    return 1;
  }

  faultline::env::docker::Engine engine(socket_path);
  try {
    engine.api_version();
  } catch (const std::exception& e) {
    status_line(std::string("error ") + e.what());
    return 1;
  }
  status_line(faultline::env::docker::kReaperReady);

  const End end = wait_for_the_end(signal_fd);
  const auto ended_at = std::chrono::steady_clock::now();
  signal(SIGALRM, out_of_time);
  alarm(end == End::finished ? kBudgetAfterFinishSeconds : kBudgetAfterDeathSeconds);

  int removed_in_all = 0;
  std::string last_error;
  for (int pass = 1; pass <= kMostPasses; ++pass) {
    bool found_something = false;
    last_error.clear();
    try {
      const int removed = engine.remove_labeled(label);
      removed_in_all += removed;
      found_something = removed > 0;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    const bool settled = end == End::finished || std::chrono::steady_clock::now() - ended_at >= kSettle;
    if (last_error.empty() && !found_something && settled) break;
    if (pass < kMostPasses) std::this_thread::sleep_for(kBetweenPasses);
  }
  alarm(0);

  if (!last_error.empty()) {
    std::fprintf(stderr, "faultline-docker-reaper: %s\n", last_error.c_str());
    status_line("failed " + last_error);
    return 1;
  }
  if (end != End::finished && removed_in_all > 0) {
    std::fprintf(stderr, "faultline-docker-reaper: %s; removed %d containers, networks and volumes carrying %s\n",
                 end == End::terminated ? "terminated (SIGTERM)" : "the runner is gone", removed_in_all, label.c_str());
  }
  status_line(std::string(faultline::env::docker::kReaperDone) + " " + std::to_string(removed_in_all));
  return 0;
}
