// faultline-sandbox: the agent inside a sandbox. faultline starts it as pid 1 of a new user, mount,
// network, PID, UTS and IPC namespace; it creates services in namespaces of their own, pauses them
// and puts network conditions in force on request (agent_protocol.h). When it ends, for whatever
// reason, the kernel ends every process of the sandbox, and with them every namespace, mount and
// interface. Run as `faultline-sandbox delay`, it is the queue reader of a delay (delay_queue.h).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent_protocol.h"
#include "clock_file.h"
#include "delay_queue.h"
#include "netlink.h"
#include "network_request.h"
#include "nftables.h"
#include "protocol.h"
#include "service_init.h"
#include "shaping.h"

namespace faultline::env::local {
namespace {

constexpr const char* kStateRoot = "/run/faultline";

// How long a service's init may take to confirm a pause or resume (it does so at once unless the
// machine is starved).
constexpr int kAcknowledgeTimeoutMs = 5000;

struct RunningService {
  pid_t pid = -1;
  int netns_fd = -1;
  int report_fd = -1;     // the init's acknowledgements of pause and resume
  std::string host_link;  // its veth's end on the bridge
  std::unique_ptr<ServiceShaping> shaping;
  std::string clock_file;  // where its offset goes; empty: started without clock control
};

// A name unique to every start, so that a service started again never waits for the kernel to
// finish destroying its previous veth (at most 15 characters).
std::string link_name(char prefix, uint64_t serial) { return prefix + std::to_string(serial); }

// The MAC address of a service's eth0, the same for every start: the other services' ARP caches
// stay right across a restart.
std::string mac_address(const std::string& ipv4) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(ipv4.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:fa:%02x:%02x:%02x:%02x", a & 0xff, b & 0xff, c & 0xff, d & 0xff);
  return mac;
}

// Closes every descriptor but `keep` (in a child about to become a service's init, which must
// not hold the other services' namespaces or the agent's sockets).
void close_all_but(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 0;
  for (int fd : keep) {
    if (static_cast<unsigned>(fd) > next) close_range(next, static_cast<unsigned>(fd) - 1, 0);
    next = static_cast<unsigned>(fd) + 1;
  }
  close_range(next, ~0U, 0);
}

class Agent {
 public:
  Agent() {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die("make mounts private");
    // Its own /proc, so that /proc/<pid> names the sandbox's processes.
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) die("mount /proc");
    // The sandbox's scratch space: service layers, named volumes. It lives and dies with the sandbox.
    if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) die("mount /run");
    for (const std::string& dir : {std::string(kStateRoot), std::string(kStateRoot) + "/volumes",
                                  std::string(kStateRoot) + "/services"}) {
      mkdir(dir.c_str(), 0755);
    }
    const char name[] = "faultline-sandbox";
    sethostname(name, sizeof name - 1);
    Netlink netlink;
    netlink.bring_up("lo");
    netlink.create_bridge(kBridgeName);
    // Programs the agent runs (iptables-nft, the queue readers) must not hold its end of the socket.
    fcntl(kAgentControlFd, F_SETFD, FD_CLOEXEC);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  }

  int run() {
    send_message(kAgentControlFd, {{"event", "ready"}});
    for (;;) {
      pollfd fds[2] = {{kAgentControlFd, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents & POLLIN) reap();
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        nlohmann::json request;
        std::vector<int> received;
        if (!receive_message(kAgentControlFd, &request, &received)) return 0;  // faultline is gone
        handle(request, received);
      }
    }
  }

 private:
  [[noreturn]] static void die(const std::string& what) {
    std::fprintf(stderr, "faultline-sandbox: %s: %s\n", what.c_str(), std::strerror(errno));
    _exit(1);
  }

  void handle(const nlohmann::json& request, std::vector<int>& received) {
    nlohmann::json reply = {{"id", request.value("id", 0)}};
    std::vector<int> reply_fds;
    try {
      const std::string op = request.value("op", "");
      if (op == "start") {
        if (received.size() != 2) throw std::runtime_error("start needs stdout and stderr");
        reply_fds.push_back(start(request.at("service"), received[0], received[1], &reply));
      } else if (op == "pause") {
        signal_service(request.at("service").get<std::string>(), SIGUSR1, kPausedByte);
      } else if (op == "resume") {
        signal_service(request.at("service").get<std::string>(), SIGUSR2, kResumedByte);
      } else if (op == "network") {
        network(NetworkRequest::from_json(request.at("conditions")));
      } else if (op == "clock") {
        set_clock(request.at("service").get<std::string>(), request.at("offset_ms").get<int64_t>());
      } else {
        throw std::runtime_error("unknown op \"" + op + "\"");
      }
      reply["ok"] = true;
    } catch (const std::exception& e) {
      reply["error"] = e.what();
    }
    for (int fd : received) close(fd);
    send_message(kAgentControlFd, reply, reply_fds);
    for (int fd : reply_fds) close(fd);
  }

  // Creates the service's namespaces and network, lets its init build its root and start it.
  // Returns a pidfd of the service's init.
  int start(const nlohmann::json& spec, int stdout_fd, int stderr_fd, nlohmann::json* reply) {
    const std::string name = spec.at("name");
    if (services_.count(name)) throw std::runtime_error("service " + name + " is already running");
    ServiceLaunch launch;
    launch.name = name;
    launch.hostname = spec.at("hostname");
    launch.state_dir = std::string(kStateRoot) + "/services/" + name;
    mkdir(launch.state_dir.c_str(), 0755);
    launch.hosts_file = spec.at("hosts");
    launch.argv = spec.at("argv").get<std::vector<std::string>>();
    launch.environment = spec.at("environment").get<std::vector<std::string>>();
    launch.working_dir = spec.value("working_dir", "");
    launch.uid = spec.value("uid", 0);
    launch.gid = spec.value("gid", 0);
    launch.stdout_fd = stdout_fd;
    launch.stderr_fd = stderr_fd;
    // In the state folder's run/, which becomes the service's /run: made before the service's
    // first process reads its clock, and left as it is by a restart.
    const std::string clock_file =
        spec.value("clock_control", false) ? launch.state_dir + "/run/" + kClockFileName : std::string();
    if (!clock_file.empty()) ensure_clock_file(clock_file);
    int anonymous = 0;
    for (const nlohmann::json& m : spec.at("mounts")) {
      ServiceMount mount;
      mount.target = m.at("target");
      mount.read_only = m.value("read_only", false);
      const std::string kind = m.at("kind");
      if (kind == "tmpfs") {
        mount.kind = ServiceMount::Kind::tmpfs;
      } else if (kind == "volume") {
        const std::string volume = m.value("source", "");
        mount.source = volume.empty()
                           ? launch.state_dir + "/anonymous-" + std::to_string(anonymous++)
                           : std::string(kStateRoot) + "/volumes/" + volume;
        mkdir(mount.source.c_str(), 0755);
      } else {
        mount.source = m.at("source");
      }
      launch.mounts.push_back(mount);
    }

    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
                                                                CLONE_NEWIPC | CLONE_NEWPID | SIGCHLD,
                                                nullptr, nullptr, nullptr, nullptr));
    if (pid < 0) throw std::runtime_error(std::string("clone failed: ") + std::strerror(errno));
    if (pid == 0) {
      close_all_but({STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, go[0], report[1], stdout_fd, stderr_fd});
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      run_service_init(launch, go[0], report[1]);
    }
    close(go[0]);
    close(report[1]);
    RunningService service;
    service.pid = pid;
    service.clock_file = clock_file;
    std::string error;
    try {
      const uint64_t serial = ++links_made_;
      const std::string peer_end = link_name('p', serial);
      const std::string address = spec.at("address");
      service.host_link = link_name('v', serial);
      Netlink netlink;
      netlink.create_veth(service.host_link, peer_end, kBridgeName);
      netlink.move_to_namespace_of(peer_end, pid);
      service.netns_fd = open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
      in_network_namespace(service.netns_fd, [&] {
        Netlink inside;
        inside.bring_up("lo");
        inside.rename(peer_end, "eth0");
        inside.set_mac_address("eth0", mac_address(address));
        inside.add_ipv4_address("eth0", address, kSubnetPrefixLength);
        inside.bring_up("eth0");
      });
    } catch (const std::exception& e) {
      error = std::string("network: ") + e.what();
    }
    if (error.empty()) {
      // The conditions in force apply from the service's first packet.
      try {
        service.shaping = std::make_unique<ServiceShaping>(name, service.netns_fd);
        shape(name, *service.shaping, wanted_);
      } catch (const std::exception& e) {
        error = std::string("network conditions: ") + e.what();
      }
    }
    if (error.empty()) {
      const ssize_t ignored = write(go[1], "g", 1);
      (void)ignored;
    }
    close(go[1]);
    std::string line;
    char c;
    while (read(report[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    service.report_fd = report[0];
    if (error.empty() && line != "OK") error = line.rfind("ERR ", 0) == 0 ? line.substr(4) : "the service's init died";
    if (!error.empty()) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      release(service);
      throw std::runtime_error(error);
    }
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      const int err = errno;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      release(service);
      throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(err));
    }
    (*reply)["pid"] = pid;
    services_[name] = std::move(service);
    return pidfd;
  }

  // Sends the service's init SIGUSR1 (pause) or SIGUSR2 (resume) and waits for its
  // acknowledgement, so that the service is paused (or running) when faultline hears back.
  void signal_service(const std::string& name, int sig, char expected) {
    auto it = services_.find(name);
    if (it == services_.end()) throw std::runtime_error("service " + name + " is not running");
    const int report = it->second.report_fd;
    char byte;
    // An acknowledgement that came after an earlier wait gave up must not answer this one.
    for (pollfd pending{report, POLLIN, 0}; poll(&pending, 1, 0) == 1 && read(report, &byte, 1) == 1;) {
    }
    if (kill(it->second.pid, sig) != 0) throw std::runtime_error("service " + name + " is not running");
    for (;;) {
      pollfd pfd{report, POLLIN, 0};
      const int rc = poll(&pfd, 1, kAcknowledgeTimeoutMs);
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) throw std::runtime_error("service " + name + " did not confirm within 5 s");
      const ssize_t n = read(report, &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("service " + name + " is not running");
      if (byte == expected) return;
    }
  }

  // The "clock" request: a running service's next clock reads see the offset.
  void set_clock(const std::string& name, int64_t offset_ms) {
    auto it = services_.find(name);
    if (it == services_.end()) throw std::runtime_error("service " + name + " is not running");
    if (it->second.clock_file.empty()) throw std::runtime_error("service " + name + " was started without clock control");
    write_clock_file(it->second.clock_file, offset_ms);
  }

  // Puts `wanted` in force in place of what was; when a part fails, puts back what was (as far as
  // it goes) and throws.
  void network(const NetworkRequest& wanted) {
    try {
      apply(wanted);
    } catch (...) {
      try {
        apply(wanted_);
      } catch (const std::exception&) {  // the first failure is the one to report
      }
      throw;
    }
    wanted_ = wanted;
  }

  void apply(const NetworkRequest& wanted) {
    const std::string drops = drop_table_script(wanted.drops);
    if (drops != drop_script_) {
      const std::string error = bridge_nft_.run(drops);
      if (!error.empty()) throw std::runtime_error("cuts and losses: " + error);
      drop_script_ = drops;
    }
    for (auto& [name, service] : services_) shape(name, *service.shaping, wanted);
  }

  static void shape(const std::string& name, ServiceShaping& shaping, const NetworkRequest& wanted) {
    const auto delay = wanted.delays.find(name);
    const auto bandwidth = wanted.bandwidths.find(name);
    shaping.apply(delay == wanted.delays.end() ? std::nullopt : std::optional(delay->second),
                  bandwidth == wanted.bandwidths.end() ? 0 : bandwidth->second);
  }

  // Frees what the agent holds of a service that has ended. Its veth goes now rather than when
  // the kernel gets to destroying its network namespace (a process that entered it may still
  // hold it): until then the bridge would still send it the service's packets.
  static void release(RunningService& service) {
    service.shaping.reset();  // ends its queue reader, which holds the namespace
    if (!service.host_link.empty()) {
      try {
        Netlink().remove(service.host_link);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "faultline-sandbox: %s\n", e.what());
      }
    }
    if (service.netns_fd >= 0) close(service.netns_fd);
    if (service.report_fd >= 0) close(service.report_fd);
    service.netns_fd = service.report_fd = -1;
  }

  void reap() {
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof info) == sizeof info) {
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto it = services_.begin(); it != services_.end(); ++it) {
        if (it->second.shaping && it->second.shaping->reader() == pid) {
          it->second.shaping->reader_ended();
          break;
        }
        if (it->second.pid != pid) continue;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        // Released first: a start that follows the event finds nothing of this run in the way.
        release(it->second);
        const std::string name = it->first;
        services_.erase(it);
        send_message(kAgentControlFd, {{"event", "exited"}, {"service", name}, {"status", code}});
        break;
      }
    }
  }

  int signal_fd_ = -1;
  std::map<std::string, RunningService> services_;
  uint64_t links_made_ = 0;
  Nftables bridge_nft_;                              // in the sandbox's namespace, where fl0 is
  NetworkRequest wanted_;                            // the conditions in force
  std::string drop_script_ = drop_table_script({});  // what the drop table holds
};

}  // namespace
}  // namespace faultline::env::local

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "delay") == 0) return faultline::env::local::run_delay_queue();
  try {
    faultline::env::local::Agent agent;
    return agent.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline-sandbox: %s\n", e.what());
    faultline::env::local::send_message(faultline::env::local::kAgentControlFd, {{"event", "failed"}, {"error", e.what()}});
    return 1;
  }
}
