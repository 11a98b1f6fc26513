#include "shaping.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "delay_queue.h"
#include "netlink.h"
#include "nftables.h"
#include "protocol.h"

namespace faultline::env::local {
namespace {

using Clock = std::chrono::steady_clock;

// Bounds on the helpers: a program that hangs must not hang the agent.
constexpr std::chrono::seconds kProgramTimeout{10};
constexpr std::chrono::seconds kReaderTimeout{5};

constexpr const char* kServiceLink = "eth0";

std::string hex(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// The iptables-nft to run: $FAULTLINE_IPTABLES, else iptables-nft where Debian puts it or on PATH.
std::string iptables_program() {
  if (const char* chosen = std::getenv("FAULTLINE_IPTABLES"); chosen != nullptr && *chosen) return chosen;
  std::string dirs = "/usr/sbin:/sbin";
  if (const char* path = std::getenv("PATH")) dirs += std::string(":") + path;
  for (size_t start = 0, colon; start <= dirs.size(); start = colon + 1) {
    colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const std::string candidate = dirs.substr(start, colon - start) + "/iptables-nft";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "iptables-nft";
}

// Waits for one message on `fd` until `deadline`; false at its end, on error or in time.
bool receive_by(int fd, Clock::time_point deadline, nlohmann::json* message) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd pfd{fd, POLLIN, 0};
    const int rc = poll(&pfd, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
    std::vector<int> fds;
    const bool got = receive_message(fd, message, &fds);
    for (int received : fds) close(received);
    return got;
  }
}

// Runs `argv` in the network namespace `netns_fd` to its end (bounded); throws with its output
// when it fails.
void run_in_namespace(int netns_fd, const std::vector<std::string>& argv) {
  std::vector<char*> c_argv;
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  int output[2];
  if (pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(output[0]);
    close(output[1]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    dup2(output[1], STDOUT_FILENO);
    dup2(output[1], STDERR_FILENO);
    if (setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
    execv(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot run %s: %s", c_argv[0], std::strerror(errno));
    _exit(127);
  }
  close(output[1]);
  std::string text;
  const auto deadline = Clock::now() + kProgramTimeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd pfd{output[0], POLLIN, 0};
    if (left <= 0 || poll(&pfd, 1, static_cast<int>(left)) == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    char buffer[1024];
    const ssize_t n = read(output[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() < 4096) text.append(buffer, static_cast<size_t>(n));
  }
  close(output[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (timed_out) throw std::runtime_error(argv[0] + " did not finish within 10 s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string code = WIFEXITED(status) ? "status " + std::to_string(WEXITSTATUS(status))
                                             : "signal " + std::to_string(WTERMSIG(status));
  throw std::runtime_error(argv[0] + " failed (" + code + ")" + (text.empty() ? "" : ": " + text));
}

// An nft script that replaces table `family name` with `body` (empty: deletes it), in one
// transaction: "add" first so that deleting a table that is not there is no error.
std::string replace_table(const std::string& family_and_name, const std::string& body) {
  std::string script = "add table " + family_and_name + "\ndelete table " + family_and_name + "\n";
  if (!body.empty()) script += "table " + family_and_name + " {\n" + body + "}\n";
  return script;
}

}  // namespace

std::string drop_table_script(const std::vector<NetworkRequest::Drop>& drops) {
  if (drops.empty()) return replace_table("bridge faultline", "");
  std::string rules;
  for (const NetworkRequest::Drop& drop : drops) {
    rules += "    ip saddr " + drop.from + " ip daddr " + drop.to;
    if (drop.percent < 100) rules += " numgen random mod 100 < " + std::to_string(drop.percent);
    rules += " drop\n";
  }
  return replace_table("bridge faultline",
                       "  chain forward {\n    type filter hook forward priority filter; policy accept;\n" + rules + "  }\n");
}

ServiceShaping::ServiceShaping(std::string service, int netns_fd, std::string reader_program)
    : service_(std::move(service)), netns_fd_(netns_fd), reader_program_(std::move(reader_program)) {}

ServiceShaping::~ServiceShaping() {
  if (reader_ > 0) {
    kill(reader_, SIGKILL);
    while (waitpid(reader_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (reader_fd_ >= 0) close(reader_fd_);
}

void ServiceShaping::reader_ended() {
  reader_ = -1;
  if (reader_fd_ >= 0) close(reader_fd_);
  reader_fd_ = -1;
  reader_ready_ = false;
  reader_delay_.reset();
}

void ServiceShaping::apply(const std::optional<NetworkRequest::Delay>& delay, uint64_t bits_per_second) {
  try {
    set_delay(delay);
  } catch (const std::exception& e) {
    throw std::runtime_error("delay of " + service_ + ": " + e.what());
  }
  if (bits_per_second == bits_per_second_) return;
  try {
    in_network_namespace(netns_fd_, [&] {
      Netlink netlink;
      if (bits_per_second > 0) {
        netlink.limit_rate(kServiceLink, bits_per_second);
      } else {
        netlink.unlimit_rate(kServiceLink);
      }
    });
  } catch (const std::exception& e) {
    throw std::runtime_error("bandwidth of " + service_ + ": " + e.what());
  }
  bits_per_second_ = bits_per_second;
}

void ServiceShaping::set_delay(const std::optional<NetworkRequest::Delay>& delay) {
  if (!delay) {
    // Packets held already leave when they are due.
    set_marking(false);
    return;
  }
  // The reader starts while iptables-nft runs: the first delay of a run waits for the slower only.
  if (reader_ < 0) start_reader();
  if (!queue_rule_) install_queue_rule();
  if (!reader_ready_) await_reader();
  if (reader_delay_ != delay) {
    // Told before packets are marked: none may be queued under the delay before.
    if (!send_message(reader_fd_, {{"mean_ms", delay->mean_ms}, {"jitter_ms", delay->jitter_ms}})) {
      throw std::runtime_error("the queue reader is gone");
    }
    nlohmann::json reply;
    if (!receive_by(reader_fd_, Clock::now() + kReaderTimeout, &reply) || !reply.value("ok", false)) {
      throw std::runtime_error("the queue reader did not take the delay");
    }
    reader_delay_ = delay;
  }
  set_marking(true);
}

void ServiceShaping::start_reader() {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  }
  const char* program = reader_program_.c_str();
  const pid_t pid = fork();
  if (pid < 0) {
    close(sockets[0]);
    close(sockets[1]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Killed with the agent (or the thread that started it) too: nothing outlives its owner.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (setns(netns_fd_, CLONE_NEWNET) != 0) _exit(126);
    dup2(sockets[1], kDelayControlFd);  // dup2 clears close-on-exec
    char name[] = "faultline-sandbox", mode[] = "delay";
    char* argv[] = {name, mode, nullptr};
    execv(program, argv);
    _exit(127);
  }
  close(sockets[1]);
  reader_ = pid;
  reader_fd_ = sockets[0];
}

void ServiceShaping::await_reader() {
  nlohmann::json hello;
  if (!receive_by(reader_fd_, Clock::now() + kReaderTimeout, &hello) || !hello.value("ready", false)) {
    const std::string reason = hello.is_object() ? hello.value("error", "") : "";
    kill(reader_, SIGKILL);
    while (waitpid(reader_, nullptr, 0) < 0 && errno == EINTR) {
    }
    reader_ended();
    throw std::runtime_error("the queue reader did not start" + (reason.empty() ? std::string() : ": " + reason));
  }
  reader_ready_ = true;
}

void ServiceShaping::install_queue_rule() {
  const std::string mark = hex(kDelayMark);
  const std::string iptables = iptables_program();
  try {
    if (access(iptables.c_str(), X_OK) != 0) throw std::runtime_error("cannot run " + iptables + ": " + std::strerror(errno));
    run_in_namespace(netns_fd_, {iptables, "-A", "OUTPUT", "-o", kServiceLink, "-m", "mark", "--mark",
                                 mark + "/" + mark, "-j", "NFQUEUE", "--queue-num", std::to_string(kDelayQueueNumber),
                                 "--queue-bypass"});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + " (a delay needs iptables-nft, Debian's package iptables, and a "
                             "kernel with NFQUEUE)");
  }
  queue_rule_ = true;
}

void ServiceShaping::set_marking(bool on) {
  if (on == marking_) return;
  const std::string body = on ? "  chain output {\n    type filter hook output priority mangle; policy accept;\n"
                                "    oifname \"" + std::string(kServiceLink) + "\" meta mark set meta mark | " +
                                    hex(kDelayMark) + "\n  }\n"
                              : "";
  std::string error;
  in_network_namespace(netns_fd_, [&] {
    if (!nft_) nft_ = std::make_unique<Nftables>();
    error = nft_->run(replace_table("ip faultline", body));
  });
  if (!error.empty()) throw std::runtime_error(error);
  marking_ = on;
}

}  // namespace faultline::env::local
