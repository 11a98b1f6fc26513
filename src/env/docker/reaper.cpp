#include "env/docker/reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "env/docker/reaper_protocol.h"
#include "env/helper_program.h"

namespace faultline::env::docker {
namespace fs = std::filesystem;
namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(5);
// Longer than the reaper's own budget after a clean finish (kFinishBudget), so that it is killed
// only when it is stuck.
constexpr auto kFinishTimeout = std::chrono::seconds(30);

std::string read_first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string boot_id() { return read_first_line("/proc/sys/kernel/random/boot_id"); }

struct ProcessStat {
  char state = '?';
  unsigned long long start_time = 0;
};

// Fields 3 (state) and 22 (starttime) of /proc/<pid>/stat; false when there is no such process.
// The command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
bool read_stat(const std::string& pid, ProcessStat* stat) {
  const std::string line = read_first_line("/proc/" + pid + "/stat");
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(line.substr(paren + 1));
  std::string field;
  for (int number = 3; number <= 22 && fields >> field; ++number) {
    if (number == 3) stat->state = field.empty() ? '?' : field[0];
    if (number == 22) {
      stat->start_time = std::strtoull(field.c_str(), nullptr, 10);
      return true;
    }
  }
  return false;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// Every item of a list answer with its labels: containers' and networks' "Id", volumes' "Name".
struct Labeled {
  std::string id;
  std::string owner;
};
std::vector<Labeled> labeled_items(const nlohmann::json& items, const char* id_key) {
  std::vector<Labeled> found;
  if (!items.is_array()) return found;
  for (const auto& item : items) {
    if (!item.is_object() || !item.contains(id_key) || !item[id_key].is_string()) continue;
    std::string owner;
    // The daemon filtered on the owner label already; a value that is not a string is malformed,
    // which owner_alive treats as abandoned.
    if (item.contains("Labels") && item["Labels"].is_object()) {
      const auto& labels = item["Labels"];
      if (labels.contains(kOwnerLabel) && labels[kOwnerLabel].is_string()) owner = labels[kOwnerLabel];
    }
    found.push_back({item[id_key].get<std::string>(), owner});
  }
  return found;
}

void close_if_open(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Up to one line from `fd` within `timeout`: the text before '\n', or what came before EOF. Empty
// with *timed_out when nothing complete came in time.
std::string read_status_line(int fd, std::chrono::steady_clock::duration timeout, bool* timed_out) {
  *timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *timed_out = true;
      return line;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char c;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return line;  // EOF: the reaper exited
    if (c == '\n') return line;
    if (line.size() < 4096) line += c;
  }
}

// Waits for `pid` up to `timeout`, then kills it; returns its wait status. The caller knows the
// process is exiting (its status pipe reached EOF) or is about to kill it, so the short sleeps are
// few.
int wait_bounded(pid_t pid, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return status;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// In the forked child, before exec: only async-signal-safe calls. Writes "error exec <errno>" on
// the status pipe when exec fails.
[[noreturn]] void exec_reaper(const char* program, char* const argv[], int lifeline_read, int status_write) {
  // Its own session: no controlling terminal, out of the runner's process group, so neither the
  // terminal's SIGINT/SIGHUP nor a kill of the runner's group reaches it.
  setsid();
  // Moved above 4 first, so that dup2 cannot overwrite one with the other.
  const int lifeline = fcntl(lifeline_read, F_DUPFD, 10);
  const int status = fcntl(status_write, F_DUPFD, 10);
  if (lifeline < 0 || status < 0 || dup2(lifeline, kReaperLifelineFd) < 0 || dup2(status, kReaperStatusFd) < 0) {
    _exit(127);
  }
  // Nothing else of the runner's: an inherited descriptor (a pipe, a socket) would outlive it.
  close_range(kReaperStatusFd + 1, ~0U, 0);
  // A runner that blocks signals for a signalfd (its SignalWatcher) would pass the mask on.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGALRM}) signal(sig, SIG_DFL);
  // Holding no mount busy.
  if (chdir("/") != 0) _exit(127);
  execv(program, argv);
  const int error = errno;
  char message[64] = "error exec ";
  size_t length = std::strlen(message);
  char digits[16];
  size_t count = 0;
  for (int value = error; count == 0 || value > 0; value /= 10) digits[count++] = static_cast<char>('0' + value % 10);
  while (count > 0 && length < sizeof message - 2) message[length++] = digits[--count];
  message[length++] = '\n';
  [[maybe_unused]] const ssize_t ignored = write(kReaperStatusFd, message, length);
  _exit(127);
}

}  // namespace

std::string owner_of_this_process() {
  const std::string boot = boot_id();
  ProcessStat stat;
  if (boot.empty() || !read_stat("self", &stat)) {
    throw std::runtime_error("cannot read this process's boot id and start time from /proc");
  }
  return boot + ":" + std::to_string(getpid()) + ":" + std::to_string(stat.start_time);
}

bool owner_alive(const std::string& owner) {
  const size_t first = owner.find(':');
  const size_t second = first == std::string::npos ? std::string::npos : owner.find(':', first + 1);
  if (second == std::string::npos || owner.find(':', second + 1) != std::string::npos) return false;
  const std::string boot = owner.substr(0, first);
  const std::string pid = owner.substr(first + 1, second - first - 1);
  const std::string start_time = owner.substr(second + 1);
  if (boot.empty() || !all_digits(pid) || !all_digits(start_time) || pid.size() > 10) return false;
  if (boot != boot_id()) return false;
  ProcessStat stat;
  if (!read_stat(pid, &stat)) return false;
  // A zombie has exited: what it made is abandoned though its parent has not reaped it yet.
  if (stat.state == 'Z' || stat.state == 'X') return false;
  return std::to_string(stat.start_time) == start_time;
}

int remove_abandoned(Engine& engine, const std::string& project) {
  std::vector<std::string> labels = {kOwnerLabel};
  if (!project.empty()) labels.push_back(std::string(kProjectLabel) + "=" + project);
  const std::string filter = url_encode(nlohmann::json{{"label", labels}}.dump());

  std::map<std::string, bool> alive;  // asked once per owner
  const auto abandoned = [&](const Labeled& item) {
    auto found = alive.find(item.owner);
    if (found == alive.end()) found = alive.emplace(item.owner, owner_alive(item.owner)).first;
    return !found->second;
  };

  int removed = 0;
  std::string first_error;
  const auto note = [&](const std::exception& e) {
    if (first_error.empty()) first_error = e.what();
  };
  const auto sweep = [&](const std::string& list_path, const char* id_key, bool volumes,
                         void (Engine::*remove)(const std::string&)) {
    std::vector<Labeled> items;
    try {
      const nlohmann::json answer = engine.call("GET", list_path + filter);
      items = labeled_items(volumes ? (answer.is_object() ? answer.value("Volumes", nlohmann::json()) : nlohmann::json())
                                    : answer,
                            id_key);
    } catch (const std::exception& e) {
      note(e);
      return;
    }
    for (const Labeled& item : items) {
      if (!abandoned(item)) continue;
      try {
        (engine.*remove)(item.id);
        ++removed;
      } catch (const DockerError& e) {
        // The run's own reaper may be removing the same container right now.
        const bool in_progress = e.status() == 409 && std::strstr(e.what(), "already in progress") != nullptr;
        if (!in_progress) note(e);
      } catch (const std::exception& e) {
        note(e);
      }
    }
  };
  // Containers first: a network or volume in use cannot be removed.
  sweep("/containers/json?all=1&filters=", "Id", false, &Engine::remove_container);
  sweep("/networks?filters=", "Id", false, &Engine::remove_network);
  sweep("/volumes?filters=", "Name", true, &Engine::remove_volume);
  if (!first_error.empty()) throw DockerError(0, "removing what dead runners left: " + first_error);
  return removed;
}

fs::path find_reaper_program(const fs::path& explicit_path) {
  return find_helper_program("faultline-docker-reaper", explicit_path, "FAULTLINE_DOCKER_REAPER");
}

Reaper Reaper::start(const std::string& socket_path, const std::string& run_label, const fs::path& program) {
  if (!valid_reaper_label(run_label)) {
    throw std::invalid_argument("a reaper needs a label key=value, both non-empty, not \"" + run_label + "\"");
  }
  std::error_code ec;
  const fs::path absolute = fs::absolute(program, ec);  // the child changes to /
  const std::string program_text = ec ? program.string() : absolute.string();
  // Everything exec needs is made before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> args = {program_text, "--socket", socket_path, "--label", run_label};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int lifeline[2];
  int status[2];
  if (pipe2(lifeline, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(status, O_CLOEXEC) != 0) {
    close(lifeline[0]);
    close(lifeline[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    for (int fd : {lifeline[0], lifeline[1], status[0], status[1]}) close(fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(error));
  }
  if (pid == 0) exec_reaper(program_text.c_str(), argv.data(), lifeline[0], status[1]);
  // The write end of the lifeline stays here only (O_CLOEXEC: no program this runner starts holds
  // it, or the reaper would wait for that program too).
  close(lifeline[0]);
  close(status[1]);
  Reaper reaper(pid, lifeline[1], status[0]);

  bool timed_out = false;
  const std::string line = read_status_line(reaper.status_fd_, kReadyTimeout, &timed_out);
  if (line == kReaperReady) return reaper;
  std::string problem;
  if (timed_out) {
    problem = "no answer within " + std::to_string(kReadyTimeout.count()) + " s";
  } else if (line.rfind("error exec ", 0) == 0) {
    problem = "cannot run it: " + std::string(std::strerror(std::atoi(line.c_str() + 11)));
  } else if (line.rfind("error ", 0) == 0) {
    problem = line.substr(6);
  } else {
    problem = line.empty() ? "it exited without a word" : "it said \"" + line + "\"";
  }
  // Nothing to clean up yet: it is killed rather than asked.
  kill(reaper.pid_, SIGKILL);
  wait_bounded(reaper.pid_, std::chrono::seconds(0));
  reaper.pid_ = -1;
  close_if_open(&reaper.lifeline_fd_);
  close_if_open(&reaper.status_fd_);
  throw std::runtime_error("faultline-docker-reaper (" + program_text + "): " + problem);
}

Reaper::Reaper(Reaper&& other) noexcept
    : pid_(other.pid_), lifeline_fd_(other.lifeline_fd_), status_fd_(other.status_fd_), finished_ok_(other.finished_ok_) {
  other.pid_ = -1;
  other.lifeline_fd_ = -1;
  other.status_fd_ = -1;
}

Reaper& Reaper::operator=(Reaper&& other) noexcept {
  if (this != &other) {
    finish();
    pid_ = other.pid_;
    lifeline_fd_ = other.lifeline_fd_;
    status_fd_ = other.status_fd_;
    finished_ok_ = other.finished_ok_;
    other.pid_ = -1;
    other.lifeline_fd_ = -1;
    other.status_fd_ = -1;
  }
  return *this;
}

Reaper::~Reaper() { finish(); }

bool Reaper::finish() {
  if (pid_ < 0) return finished_ok_;
  // One byte before EOF says the runner ended on purpose, nothing of it in flight: the reaper need
  // not wait for a container the daemon may still be creating for a killed runner.
  if (lifeline_fd_ >= 0) {
    // If the reaper is already gone the write raises SIGPIPE, which must not end the runner: it is
    // blocked in this thread for the write and a pending one taken away.
    const sigset_t pipe_only = [] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      return set;
    }();
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    [[maybe_unused]] const ssize_t ignored = write(lifeline_fd_, &kReaperFinishByte, 1);
    // A SIGPIPE raised while blocked stays pending; take it so it does not fire once unblocked.
    timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  close_if_open(&lifeline_fd_);
  bool timed_out = false;
  std::string result;
  const auto deadline = std::chrono::steady_clock::now() + kFinishTimeout;
  // Its last line is its result; EOF follows when it exits.
  while (status_fd_ >= 0) {
    const std::string line = read_status_line(status_fd_, deadline - std::chrono::steady_clock::now(), &timed_out);
    if (!line.empty()) result = line;
    if (timed_out || line.empty()) break;
  }
  const int status = wait_bounded(pid_, timed_out ? std::chrono::steady_clock::duration::zero()
                                                  : std::chrono::steady_clock::duration(std::chrono::seconds(5)));
  close_if_open(&status_fd_);
  pid_ = -1;
  finished_ok_ = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0 && result.rfind(kReaperDone, 0) == 0;
  return finished_ok_;
}

}  // namespace faultline::env::docker
