#include "local_backend.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "../helper_program.h"
#include "agent_protocol.h"
#include "clock.h"
#include "enter.h"
#include "network_request.h"
#include "protocol.h"

extern char** environ;

namespace faultline::env::local {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fs::path find_agent(const LocalBackendOptions& options) {
  return find_helper_program("faultline-sandbox", options.agent_path, "FAULTLINE_SANDBOX_AGENT");
}

// "uid[:gid]" or "name[:group]", resolved against this machine's user database (services see it).
std::pair<uid_t, gid_t> resolve_user(const std::string& user, const std::string& service) {
  if (user.empty()) return {0, 0};
  const size_t colon = user.find(':');
  const std::string user_part = user.substr(0, colon);
  const std::string group_part = colon == std::string::npos ? "" : user.substr(colon + 1);
  const auto all_digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  uid_t uid;
  gid_t gid;
  if (all_digits(user_part)) {
    uid = static_cast<uid_t>(std::stoul(user_part));
    const passwd* pw = getpwuid(uid);
    gid = pw ? pw->pw_gid : uid;
  } else {
    const passwd* pw = getpwnam(user_part.c_str());
    if (pw == nullptr) throw std::runtime_error("service " + service + ": unknown user \"" + user_part + "\"");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  if (!group_part.empty()) {
    if (all_digits(group_part)) {
      gid = static_cast<gid_t>(std::stoul(group_part));
    } else {
      const group* gr = getgrnam(group_part.c_str());
      if (gr == nullptr) throw std::runtime_error("service " + service + ": unknown group \"" + group_part + "\"");
      gid = gr->gr_gid;
    }
  }
  return {uid, gid};
}

void write_proc_file(pid_t pid, const std::string& name, const std::string& text) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  if (fd >= 0) close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
}

class LocalBackend : public Backend {
 public:
  LocalBackend(const Project& project, ExitCallback on_exit, const LocalBackendOptions& options)
      : on_exit_(std::move(on_exit)), libfaketime_(find_libfaketime()) {
    int index = 0;
    for (const auto& [name, spec] : project.services) {
      ++index;
      Service& service = services_[name];
      service.spec = spec;
      names_.insert(name);
      service.address = "10.213." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
      std::tie(service.uid, service.gid) = resolve_user(spec.user, name);
      service.environment = spec.environment;
      service.environment.try_emplace("PATH", kDefaultPath);
      service.environment.try_emplace("HOSTNAME", spec.hostname);
      service.clock_refusal = clock_uncontrolled(spec, libfaketime_);
      if (service.clock_refusal.empty()) add_clock_environment(service.environment, libfaketime_);
    }
    hosts_ = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    for (const auto& [name, service] : services_) {
      hosts_ += service.address + "\t" + name;
      if (service.spec.hostname != name) hosts_ += " " + service.spec.hostname;
      hosts_ += "\n";
    }
    create_sandbox(find_agent(options));
  }

  ~LocalBackend() override { destroy(); }

  void start(const std::string& name, int stdout_fd, int stderr_fd) override {
    const Service& service = service_of(name);
    nlohmann::json mounts = nlohmann::json::array();
    for (const Mount& m : service.spec.mounts) {
      mounts.push_back({{"kind", m.kind == Mount::Kind::bind ? "bind" : m.kind == Mount::Kind::volume ? "volume" : "tmpfs"},
                        {"source", m.source},
                        {"target", m.target},
                        {"read_only", m.read_only}});
    }
    nlohmann::json spec = {{"name", name},
                           {"hostname", service.spec.hostname},
                           {"address", service.address},
                           {"hosts", hosts_},
                           {"argv", service.spec.argv},
                           {"environment", environment_list(service.environment)},
                           {"working_dir", service.spec.working_dir},
                           {"uid", service.uid},
                           {"gid", service.gid},
                           {"mounts", mounts},
                           {"clock_control", service.clock_refusal.empty()}};
    std::vector<int> fds;
    const nlohmann::json reply = request({{"op", "start"}, {"service", spec}}, {stdout_fd, stderr_fd}, &fds);
    if (fds.size() != 1) {
      for (int fd : fds) close(fd);
      throw std::runtime_error("service " + name + ": the sandbox sent no pidfd");
    }
    std::lock_guard lock(mutex_);
    Service& s = services_.at(name);
    if (s.pidfd >= 0) close(s.pidfd);
    s.pidfd = fds[0];
    s.running = true;
  }

  std::unique_ptr<RunningProcess> exec(const std::string& name, const ExecRequest& request) override {
    ServiceEntry entry = entry_of(name);
    EnterSpec spec;
    spec.service_pidfd = entry.pidfd;
    spec.argv = request.argv;
    std::map<std::string, std::string> env = service_of(name).environment;
    for (const auto& [k, v] : request.environment) env[k] = v;
    spec.environment = environment_list(env);
    spec.working_dir = request.working_dir.empty() ? entry.working_dir : request.working_dir;
    spec.uid = entry.uid;
    spec.gid = entry.gid;
    spec.stdin_fd = request.stdin_fd;
    spec.stdout_fd = request.stdout_fd;
    spec.stderr_fd = request.stderr_fd;
    try {
      auto process = enter_and_exec(spec);
      close(entry.pidfd);
      return process;
    } catch (const std::exception& e) {
      close(entry.pidfd);
      throw std::runtime_error("service " + name + ": " + e.what());
    }
  }

  void stop(const std::string& name, Duration grace) override {
    if (!signal_init(name, SIGTERM)) return;
    std::unique_lock lock(mutex_);
    const bool ended = exited_.wait_for(lock, grace, [&] { return !services_.at(name).running; });
    lock.unlock();
    if (!ended) kill(name);
  }

  void kill(const std::string& name) override { signal_init(name, SIGKILL); }
  // Through the agent, which waits for the service's init to confirm.
  void pause(const std::string& name) override { service_request("pause", name); }
  void resume(const std::string& name) override { service_request("resume", name); }

  void set_network(const NetworkConditions& conditions) override {
    check_network_conditions(conditions, names_);
    std::vector<int> fds;
    request({{"op", "network"}, {"conditions", resolve(conditions).to_json()}}, {}, &fds);
  }

  void set_clock_offset(const std::string& name, Duration offset) override {
    const Service& service = service_of(name);
    if (!service.clock_refusal.empty()) {
      throw std::runtime_error("service " + name + ": its clock cannot be shifted: " + service.clock_refusal);
    }
    std::vector<int> fds;
    request({{"op", "clock"}, {"service", name}, {"offset_ms", offset.count()}}, {}, &fds);
  }

  std::string clock_unreachable(const std::string& name) const override {
    const Service& service = service_of(name);
    if (!service.clock_refusal.empty()) return service.clock_refusal;
    return program_clock_unreachable(service.spec, service.environment.at("PATH"));
  }

  std::string address(const std::string& name) const override { return service_of(name).address; }

  void destroy() override {
    std::unique_lock lock(mutex_);
    if (destroyed_) return;
    destroyed_ = true;
    lock.unlock();
    // Killing the sandbox's pid 1 ends every process in it; the kernel then frees its namespaces,
    // mounts (the tmpfs included) and interfaces.
    if (agent_pidfd_ >= 0) syscall(SYS_pidfd_send_signal, agent_pidfd_, SIGKILL, nullptr, 0);
    if (agent_pid_ > 0) {
      while (waitpid(agent_pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (control_ >= 0) shutdown(control_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    lock.lock();
    for (auto& [name, service] : services_) {
      if (service.pidfd >= 0) close(service.pidfd);
      service.pidfd = -1;
      service.running = false;
    }
    if (control_ >= 0) close(control_);
    if (agent_pidfd_ >= 0) close(agent_pidfd_);
    control_ = agent_pidfd_ = -1;
    for (auto& [id, pending] : pending_) pending.done = true;
    replies_.notify_all();
    exited_.notify_all();
  }

  ServiceEntry entry_of(const std::string& name) {
    std::lock_guard lock(mutex_);
    const Service& service = service_of(name);
    if (!service.running || service.pidfd < 0) throw std::runtime_error("service " + name + " is not running");
    ServiceEntry entry;
    entry.pidfd = fcntl(service.pidfd, F_DUPFD_CLOEXEC, 0);
    entry.environment = environment_list(service.environment);
    entry.working_dir = service.spec.working_dir;
    entry.uid = service.uid;
    entry.gid = service.gid;
    return entry;
  }

  pid_t sandbox_pid() const { return agent_pid_; }

 private:
  struct Service {
    ServiceSpec spec;
    std::string address;
    uid_t uid = 0;
    gid_t gid = 0;
    std::map<std::string, std::string> environment;
    std::string clock_refusal;  // why its clock cannot be shifted; "": it runs under libfaketime
    int pidfd = -1;
    bool running = false;
  };

  struct Pending {
    bool done = false;
    nlohmann::json reply;
    std::vector<int> fds;
  };

  static std::vector<std::string> environment_list(const std::map<std::string, std::string>& env) {
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
  }

  const Service& service_of(const std::string& name) const {
    auto it = services_.find(name);
    if (it == services_.end()) throw std::runtime_error("no service named \"" + name + "\"");
    return it->second;
  }

  void service_request(const char* op, const std::string& name) {
    service_of(name);  // an unknown name is named as such
    std::vector<int> fds;
    request({{"op", op}, {"service", name}}, {}, &fds);
  }

  // The conditions as the agent takes them: cuts and losses per pair of addresses (a cut wins
  // over a loss), delays and limits by service; what changes nothing is left out.
  NetworkRequest resolve(const NetworkConditions& conditions) const {
    std::map<std::pair<std::string, std::string>, int> percents;  // by (from, to) service
    for (const NetworkConditions::Cut& cut : conditions.cuts) {
      for (const std::string& from : cut.from) {
        for (const std::string& to : cut.to) {
          if (from != to) percents[{from, to}] = 100;
        }
      }
    }
    for (const NetworkConditions::Loss& loss : conditions.losses) {
      if (loss.from == loss.to || loss.percent == 0) continue;
      int& percent = percents[{loss.from, loss.to}];
      percent = std::max(percent, loss.percent);
    }
    NetworkRequest request;
    for (const auto& [pair, percent] : percents) {
      request.drops.push_back({service_of(pair.first).address, service_of(pair.second).address, percent});
    }
    for (const NetworkConditions::Delay& delay : conditions.delays) {
      if (delay.mean.count() > 0) request.delays[delay.service] = {delay.mean.count(), delay.jitter.count()};
    }
    for (const NetworkConditions::Bandwidth& bandwidth : conditions.bandwidths) {
      request.bandwidths[bandwidth.service] = bandwidth.bits_per_second;
    }
    return request;
  }

  bool signal_init(const std::string& name, int sig) {
    std::lock_guard lock(mutex_);
    const Service& service = service_of(name);
    if (!service.running || service.pidfd < 0) return false;
    return syscall(SYS_pidfd_send_signal, service.pidfd, sig, nullptr, 0) == 0;
  }

  // The sandbox: one clone into new user, mount, network, PID, UTS and IPC namespaces, where the
  // agent runs as pid 1. It dies with this process (PR_SET_PDEATHSIG), taking everything with it.
  void create_sandbox(const fs::path& agent) {
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
      throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    }
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::string agent_path = agent.string();
    char* argv[] = {agent_path.data(), nullptr};
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    const pid_t pid = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID |
                                                                CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
                                                nullptr, nullptr, nullptr, nullptr));
    if (pid < 0) {
      const int err = errno;
      close(sockets[0]);
      close(sockets[1]);
      close(sync[0]);
      close(sync[1]);
      if (err == EPERM || err == ENOSPC || err == EINVAL) {
        throw std::runtime_error(
            std::string("cannot create the sandbox's namespaces (") + std::strerror(err) +
            "): user namespaces are not available to this user. Enable them with "
            "`sysctl -w kernel.unprivileged_userns_clone=1` (Debian) and "
            "`sysctl -w user.max_user_namespaces=15000`, or run faultline as root");
      }
      throw std::runtime_error(std::string("cannot create the sandbox: ") + std::strerror(err));
    }
    if (pid == 0) {
      // Only system calls from here to execve: this process was forked from a threaded one.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(sync[1]);
      char go;
      if (read(sync[0], &go, 1) != 1) _exit(1);  // faultline died before the maps were written
      dup2(sockets[1], kAgentControlFd);         // dup2 clears close-on-exec
      execve(argv[0], argv, environ);
      _exit(127);
    }
    close(sync[0]);
    close(sockets[1]);
    agent_pid_ = pid;
    agent_pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    control_ = sockets[0];
    try {
      if (uid == 0) {
        // Root maps every id to itself: services run as any user of this machine.
        write_proc_file(pid, "uid_map", "0 0 4294967295\n");
        write_proc_file(pid, "gid_map", "0 0 4294967295\n");
      } else {
        write_proc_file(pid, "setgroups", "deny");
        write_proc_file(pid, "uid_map", "0 " + std::to_string(uid) + " 1\n");
        write_proc_file(pid, "gid_map", "0 " + std::to_string(gid) + " 1\n");
      }
    } catch (...) {
      close(sync[1]);
      destroy();
      throw;
    }
    const ssize_t ignored = write(sync[1], "g", 1);
    (void)ignored;
    close(sync[1]);

    nlohmann::json ready;
    std::vector<int> fds;
    if (!receive_message(control_, &ready, &fds) || ready.value("event", "") != "ready") {
      const std::string error = ready.is_object() ? ready.value("error", "") : "";
      destroy();
      throw std::runtime_error("the sandbox did not start" + (error.empty() ? std::string() : ": " + error));
    }
    reader_ = std::thread([this] { read_agent(); });
  }

  nlohmann::json request(nlohmann::json message, const std::vector<int>& fds, std::vector<int>* reply_fds) {
    std::unique_lock lock(mutex_);
    if (destroyed_) throw std::runtime_error("the sandbox is gone");
    const int id = ++next_id_;
    message["id"] = id;
    Pending& pending = pending_[id];
    if (!send_message(control_, message, fds)) {
      pending_.erase(id);
      throw std::runtime_error("the sandbox is gone");
    }
    replies_.wait(lock, [&] { return pending.done; });
    nlohmann::json reply = std::move(pending.reply);
    *reply_fds = std::move(pending.fds);
    pending_.erase(id);
    if (!reply.is_object()) throw std::runtime_error("the sandbox is gone");
    if (reply.contains("error")) {
      for (int fd : *reply_fds) close(fd);
      reply_fds->clear();
      throw std::runtime_error(reply["error"].get<std::string>());
    }
    return reply;
  }

  void read_agent() {
    for (;;) {
      nlohmann::json message;
      std::vector<int> fds;
      if (!receive_message(control_, &message, &fds)) break;
      if (message.contains("event")) {
        if (message["event"] == "exited") {
          const std::string name = message.value("service", "");
          {
            std::lock_guard lock(mutex_);
            auto it = services_.find(name);
            if (it != services_.end()) {
              it->second.running = false;
              if (it->second.pidfd >= 0) close(it->second.pidfd);
              it->second.pidfd = -1;
            }
          }
          exited_.notify_all();
          if (on_exit_) on_exit_(name, message.value("status", -1));
        }
        continue;
      }
      std::lock_guard lock(mutex_);
      auto it = pending_.find(message.value("id", -1));
      if (it == pending_.end()) {
        for (int fd : fds) close(fd);
        continue;
      }
      it->second.reply = std::move(message);
      it->second.fds = std::move(fds);
      it->second.done = true;
      replies_.notify_all();
    }
    std::lock_guard lock(mutex_);
    for (auto& [id, pending] : pending_) pending.done = true;
    replies_.notify_all();
  }

  ExitCallback on_exit_;
  std::string libfaketime_;  // "" when this machine has none
  std::map<std::string, Service> services_;
  std::set<std::string> names_;
  std::string hosts_;
  pid_t agent_pid_ = -1;
  int agent_pidfd_ = -1;
  int control_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable replies_;
  std::condition_variable exited_;
  std::map<int, Pending> pending_;
  int next_id_ = 0;
  bool destroyed_ = false;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const Project& project, Backend::ExitCallback on_exit,
                                            const LocalBackendOptions& options) {
  return std::make_unique<LocalBackend>(project, std::move(on_exit), options);
}

ServiceEntry local_service_entry(Backend& backend, const std::string& service) {
  return dynamic_cast<LocalBackend&>(backend).entry_of(service);
}

pid_t local_sandbox_pid(Backend& backend) { return dynamic_cast<LocalBackend&>(backend).sandbox_pid(); }

}  // namespace faultline::env::local
