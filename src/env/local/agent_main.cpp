// faultline-sandbox: the agent inside a sandbox. faultline starts it as pid 1 of a new user, mount,
// network, PID, UTS and IPC namespace; it creates services in namespaces of their own and changes
// their network on request (agent_protocol.h). When it ends, for whatever reason, the kernel ends
// every process of the sandbox, and with them every namespace, mount and interface.
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

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent_protocol.h"
#include "netlink.h"
#include "nftables.h"
#include "protocol.h"
#include "service_init.h"

namespace faultline::env::local {
namespace {

constexpr const char* kStateRoot = "/run/faultline";

struct RunningService {
  pid_t pid = -1;
  int netns_fd = -1;
};

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
    own_netns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
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
      } else if (op == "nft") {
        nft(request.at("service").get<std::string>(), request.at("script").get<std::string>());
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
    const int index = spec.at("index");
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
      close(go[1]);
      close(report[0]);
      close(kAgentControlFd);
      close(signal_fd_);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      run_service_init(launch, go[0], report[1]);
    }
    close(go[0]);
    close(report[1]);
    RunningService service;
    service.pid = pid;
    std::string error;
    try {
      const std::string host_end = "v" + std::to_string(index), peer_end = "p" + std::to_string(index);
      Netlink netlink;
      netlink.create_veth(host_end, peer_end, kBridgeName);
      netlink.move_to_namespace_of(peer_end, pid);
      service.netns_fd = open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
      in_netns(service.netns_fd, [&] {
        Netlink inside;
        inside.bring_up("lo");
        inside.rename(peer_end, "eth0");
        inside.add_ipv4_address("eth0", spec.at("address"), kSubnetPrefixLength);
        inside.bring_up("eth0");
      });
    } catch (const std::exception& e) {
      error = std::string("network: ") + e.what();
    }
    if (error.empty()) {
      const ssize_t ignored = write(go[1], "g", 1);
      (void)ignored;
    }
    close(go[1]);
    std::string line;
    char c;
    while (read(report[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(report[0]);
    if (error.empty() && line != "OK") error = line.rfind("ERR ", 0) == 0 ? line.substr(4) : "the service's init died";
    if (!error.empty()) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      if (service.netns_fd >= 0) close(service.netns_fd);
      throw std::runtime_error(error);
    }
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
    services_[name] = service;
    (*reply)["pid"] = pid;
    return pidfd;
  }

  void nft(const std::string& service, const std::string& script) {
    auto it = services_.find(service);
    if (it == services_.end()) throw std::runtime_error("service " + service + " is not running");
    std::string error;
    in_netns(it->second.netns_fd, [&] { error = run_nft(script); });
    if (!error.empty()) throw std::runtime_error(error);
  }

  template <typename F>
  void in_netns(int netns_fd, F&& action) {
    if (setns(netns_fd, CLONE_NEWNET) != 0) throw std::runtime_error(std::string("setns: ") + std::strerror(errno));
    try {
      action();
    } catch (...) {
      setns(own_netns_, CLONE_NEWNET);
      throw;
    }
    setns(own_netns_, CLONE_NEWNET);
  }

  void reap() {
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof info) == sizeof info) {
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto it = services_.begin(); it != services_.end(); ++it) {
        if (it->second.pid != pid) continue;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        send_message(kAgentControlFd, {{"event", "exited"}, {"service", it->first}, {"status", code}});
        close(it->second.netns_fd);
        services_.erase(it);
        break;
      }
    }
  }

  int own_netns_ = -1;
  int signal_fd_ = -1;
  std::map<std::string, RunningService> services_;
};

}  // namespace
}  // namespace faultline::env::local

int main() {
  try {
    faultline::env::local::Agent agent;
    return agent.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline-sandbox: %s\n", e.what());
    faultline::env::local::send_message(faultline::env::local::kAgentControlFd, {{"event", "failed"}, {"error", e.what()}});
    return 1;
  }
}
