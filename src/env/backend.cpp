#include "backend.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>

namespace faultline::env {

ExecResult run_in_service(Backend& backend, const std::string& service, const std::vector<std::string>& argv,
                          Duration timeout, const std::map<std::string, std::string>& environment) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  ExecRequest request;
  request.argv = argv;
  request.environment = environment;
  request.stdout_fd = out[1];
  request.stderr_fd = out[1];
  std::unique_ptr<RunningProcess> process;
  try {
    process = backend.exec(service, request);
  } catch (...) {
    close(out[0]);
    close(out[1]);
    throw;
  }
  close(out[1]);
  ExecResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Read until end of output or the deadline; output is capped so a chatty command cannot eat memory.
  constexpr size_t kMaxOutput = 1 << 20;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    if (result.output.size() < kMaxOutput) result.output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  if (result.timed_out) {
    process->kill();
    result.status = process->wait_for(Duration(5000)).value_or(-1);
  } else {
    const auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    std::optional<int> status = process->wait_for(std::max(left, Duration(0)));
    if (!status) {
      result.timed_out = true;
      process->kill();
      status = process->wait_for(Duration(5000));
    }
    result.status = status.value_or(-1);
  }
  return result;
}

}  // namespace faultline::env
