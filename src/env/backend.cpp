#include "backend.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <stdexcept>

namespace faultline::env {

namespace {

std::string milliseconds(Duration d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

void check_network_conditions(const NetworkConditions& conditions, const std::set<std::string>& services) {
  const auto fail = [](const std::string& what) { throw std::runtime_error("network conditions: " + what); };
  const auto known = [&](const std::string& service, const char* where) {
    if (!services.count(service)) fail(std::string(where) + ": no service named \"" + service + "\"");
  };
  for (const NetworkConditions::Cut& cut : conditions.cuts) {
    for (const std::string& service : cut.from) known(service, "cut");
    for (const std::string& service : cut.to) known(service, "cut");
  }
  std::set<std::pair<std::string, std::string>> lossy;
  for (const NetworkConditions::Loss& loss : conditions.losses) {
    known(loss.from, "loss");
    known(loss.to, "loss");
    const std::string pair = loss.from + " to " + loss.to;
    if (loss.percent < 0 || loss.percent > 100) {
      fail("loss from " + pair + " of " + std::to_string(loss.percent) + " %: a percentage is 0-100");
    }
    if (!lossy.insert({loss.from, loss.to}).second) fail("two losses from " + pair);
  }
  std::set<std::string> delayed;
  for (const NetworkConditions::Delay& delay : conditions.delays) {
    known(delay.service, "delay");
    if (delay.mean.count() < 0 || delay.jitter.count() < 0) fail("delay of " + delay.service + ": negative time");
    if (delay.jitter > delay.mean) {
      fail("delay of " + delay.service + ": jitter (" + milliseconds(delay.jitter) + ") above the mean (" +
           milliseconds(delay.mean) + ")");
    }
    if (!delayed.insert(delay.service).second) fail("two delays for " + delay.service);
  }
  std::set<std::string> limited;
  for (const NetworkConditions::Bandwidth& bandwidth : conditions.bandwidths) {
    known(bandwidth.service, "bandwidth");
    if (bandwidth.bits_per_second == 0) fail("bandwidth of " + bandwidth.service + ": 0 bits per second (cut it instead)");
    if (!limited.insert(bandwidth.service).second) fail("two bandwidths for " + bandwidth.service);
  }
}

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
