#include "enter.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace faultline::env::local {
namespace {

constexpr int kAllNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The program's pid here, its carrier (the process that entered the namespaces and waits for it),
// and pidfds for both.
class EnteredProcess : public RunningProcess {
 public:
  EnteredProcess(pid_t carrier, pid_t command)
      : carrier_(carrier),
        command_(command),
        carrier_fd_(static_cast<int>(syscall(SYS_pidfd_open, carrier, 0))) {}

  ~EnteredProcess() override {
    if (!status_) {
      kill();
      wait_for(Duration(-1));
    }
    if (carrier_fd_ >= 0) close(carrier_fd_);
  }

  std::optional<int> wait_for(Duration timeout) override {
    if (status_) return status_;
    pollfd pfd{carrier_fd_, POLLIN, 0};
    const int ms = timeout.count() < 0 ? -1 : static_cast<int>(std::min<int64_t>(timeout.count(), INT32_MAX));
    int rc;
    do {
      rc = poll(&pfd, 1, ms);
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0) return std::nullopt;
    int status = 0;
    if (waitpid(carrier_, &status, 0) == carrier_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return status_;
  }

  void kill() override {
    if (status_) return;
    ::kill(-command_, SIGKILL);  // the command leads its own process group
    ::kill(command_, SIGKILL);
  }

  pid_t pid() const override { return command_; }
  int exit_fd() const override { return carrier_fd_; }

 private:
  pid_t carrier_;
  pid_t command_;
  int carrier_fd_;
  std::optional<int> status_;
};

// Whether process `pid` is stopped (by a signal: its service is paused).
bool stopped(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char stat[512];
  const ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return false;
  stat[n] = '\0';
  const char* state = std::strrchr(stat, ')');  // "pid (comm) S ...": comm may hold anything
  return state != nullptr && state[1] == ' ' && (state[2] == 'T' || state[2] == 't');
}

// Waits until `command` has exec'd (the report pipe closes) or failed to (it reports errno): true
// with the error when it failed. A command that is stopped before it could exec (its service is
// paused) may stay so for minutes: then the wait ends, and a failure would show later in the
// command's output and status.
bool read_exec_outcome(int report, pid_t command, int* error) {
  for (;;) {
    pollfd pfd{report, POLLIN, 0};
    const int rc = poll(&pfd, 1, 50);
    if (rc > 0) return read(report, error, sizeof *error) == sizeof *error;
    if (rc < 0 && errno != EINTR) return false;
    if (rc == 0 && stopped(command)) return false;
  }
}

}  // namespace

std::vector<std::string> program_candidates(const std::string& program, const std::string& path) {
  if (program.find('/') != std::string::npos) return {program};
  std::vector<std::string> candidates;
  for (size_t start = 0, colon; start <= path.size(); start = colon + 1) {
    colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    const std::string dir = path.substr(start, colon - start);
    candidates.push_back((dir.empty() ? "." : dir) + "/" + program);
  }
  return candidates;
}

std::unique_ptr<RunningProcess> enter_and_exec(const EnterSpec& spec) {
  // Everything the children need is prepared here: after fork, a child of a threaded process may
  // only make system calls.
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = spec.environment;
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& var : spec.environment) {
    if (var.rfind("PATH=", 0) == 0) path = var.substr(5);
  }
  const std::vector<std::string> candidates = program_candidates(argv.at(0), path);
  const std::string working_dir = spec.working_dir.empty() ? "/" : spec.working_dir;
  const std::string cannot_run = "faultline: cannot run " + argv[0] + ": ";

  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t carrier = fork();
  if (carrier < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (carrier == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(report[0]);
    int err = 0;
    if (setns(spec.service_pidfd, kAllNamespaces) != 0) err = errno;
    pid_t command = -1;
    if (err == 0) command = fork();  // the PID namespace applies to children only
    if (command == 0) {
      setpgid(0, 0);
      const int null = open("/dev/null", O_RDWR);
      dup2(spec.stdin_fd >= 0 ? spec.stdin_fd : null, STDIN_FILENO);
      dup2(spec.stdout_fd >= 0 ? spec.stdout_fd : null, STDOUT_FILENO);
      dup2(spec.stderr_fd >= 0 ? spec.stderr_fd : null, STDERR_FILENO);
      int child_err = 0;
      if (chdir(working_dir.c_str()) != 0) child_err = errno;
      if (child_err == 0 && spec.uid != 0) {
        if (setgroups(0, nullptr) != 0 || setresgid(spec.gid, spec.gid, spec.gid) != 0 ||
            setresuid(spec.uid, spec.uid, spec.uid) != 0) {
          child_err = errno;
        }
      }
      if (child_err == 0) {
        child_err = ENOENT;
        for (const std::string& candidate : candidates) {
          execve(candidate.c_str(), c_argv.data(), c_env.data());
          if (errno != ENOENT) child_err = errno;
        }
      }
      // The runner may have stopped waiting for this report (see below): then the command's own
      // output and its status, 127 as a shell's, tell why.
      signal(SIGPIPE, SIG_IGN);
      const ssize_t ignored = write(report[1], &child_err, sizeof child_err);
      const char* reason = strerrordesc_np(child_err);
      const ssize_t ignored_too = write(STDERR_FILENO, cannot_run.data(), cannot_run.size()) +
                                  write(STDERR_FILENO, reason, strlen(reason)) + write(STDERR_FILENO, "\n", 1);
      (void)ignored, (void)ignored_too;
      _exit(127);
    }
    if (command < 0 && err == 0) err = errno;
    const int message[2] = {command, err};
    const ssize_t ignored = write(report[1], message, sizeof message);
    (void)ignored;
    close(report[1]);
    if (command < 0) _exit(126);
    int status = 0;
    while (waitpid(command, &status, 0) < 0 && errno == EINTR) {
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  close(report[1]);
  int message[2] = {-1, 0};
  const bool got = read(report[0], message, sizeof message) == sizeof message;
  int exec_error = 0;
  const bool exec_failed = got && message[0] > 0 && read_exec_outcome(report[0], message[0], &exec_error);
  close(report[0]);
  if (!got || message[0] <= 0 || exec_failed) {
    int status;
    waitpid(carrier, &status, 0);
    const int err = exec_failed ? exec_error : message[1];
    throw std::runtime_error((exec_failed ? "cannot run " + argv[0] : std::string("cannot enter the service")) +
                             ": " + std::strerror(err));
  }
  return std::make_unique<EnteredProcess>(carrier, message[0]);
}

}  // namespace faultline::env::local
