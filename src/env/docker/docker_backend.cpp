#include "docker_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "../helper_program.h"
#include "../local/nftables.h"
#include "../local/netlink.h"
#include "../local/network_request.h"
#include "../local/shaping.h"
#include "engine.h"
#include "image_files.h"
#include "reaper.h"

namespace faultline::env::docker {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// How long the daemon gets to set up a stream (events, attach, exec) before faultline gives up.
constexpr std::chrono::seconds kStreamOpenTimeout{15};
// How long an exec'd command's pid may take to show in the daemon's answer.
constexpr std::chrono::seconds kExecPidTimeout{5};

std::string random_id() {
  std::random_device device;
  std::mt19937_64 bits((uint64_t{device()} << 32) ^ device());
  static const char* kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 12; ++i) id += kHex[bits() % 16];
  return id;
}

// Docker's durations are nanoseconds.
int64_t nanoseconds(Duration d) { return static_cast<int64_t>(d.count()) * 1000000; }

// Writes all of `data` to `fd` (-1: nowhere); false once the reader is gone.
bool write_all(int fd, const char* data, size_t size) {
  if (fd < 0) return true;
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// A stream's thread writes into pipes whose reader may be gone: EPIPE, not a process-wide SIGPIPE.
void block_sigpipe_in_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int duplicate(int fd) {
  if (fd < 0) return -1;
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) throw std::runtime_error(std::string("dup failed: ") + std::strerror(errno));
  return copy;
}

// A stream on its own thread; open() returns once the daemon streams (or throws its refusal).
class StreamThread {
 public:
  StreamThread() = default;
  ~StreamThread() { finish(); }
  StreamThread(const StreamThread&) = delete;
  StreamThread& operator=(const StreamThread&) = delete;

  // Runs `engine.stream(method, path, body, on_data)` on a thread, then `on_end(error)`.
  void open(Engine& engine, const std::string& method, const std::string& path, const json& body,
            std::function<bool(const char*, size_t)> on_data, std::function<void(const std::string&)> on_end) {
    finish();
    cancel_.reset();
    auto opened = std::make_shared<std::promise<std::string>>();
    std::future<std::string> ready = opened->get_future();
    auto said = std::make_shared<std::atomic<bool>>(false);
    thread_ = std::thread([this, &engine, method, path, body, on_data = std::move(on_data),
                           on_end = std::move(on_end), opened, said] {
      block_sigpipe_in_this_thread();
      std::string error;
      try {
        engine.stream(method, path, body, on_data,
                      [&] {
                        if (!said->exchange(true)) opened->set_value("");
                      },
                      &cancel_);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!said->exchange(true)) opened->set_value(error.empty() ? "the daemon ended the stream at once" : error);
      on_end(error);
    });
    if (ready.wait_for(kStreamOpenTimeout) != std::future_status::ready) {
      cancel_.cancel();
      finish();
      throw std::runtime_error(method + " " + path + ": the daemon did not answer within " +
                               std::to_string(kStreamOpenTimeout.count()) + " s");
    }
    const std::string error = ready.get();
    if (!error.empty()) {
      finish();
      throw std::runtime_error(error);
    }
  }
  void cancel() { cancel_.cancel(); }
  void finish() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  CancelToken cancel_;
  std::thread thread_;
};

// What a command exec'd into a container is to its caller.
class DockerProcess : public RunningProcess {
 public:
  // Keeps a copy of `engine`: a process may outlive the backend that started it.
  DockerProcess(const Engine& engine, const std::string& container, const ExecRequest& request)
      : engine_(engine), container_(container), exit_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (exit_fd_ < 0) throw std::runtime_error("eventfd failed");
    try {
      begin(request);
    } catch (...) {
      // The command may run already: it is killed if its pid is known, its stream ended.
      kill();
      stream_.cancel();
      stream_.finish();
      close_outputs();
      close(exit_fd_);
      throw;
    }
  }

  ~DockerProcess() override {
    if (!wait_for(Duration(0))) {
      kill();
      if (!wait_for(Duration(10000))) stream_.cancel();
    }
    stream_.finish();
    close_outputs();
    close(exit_fd_);
  }

 private:
  void begin(const ExecRequest& request) {
    json environment = json::array();
    for (const auto& [key, value] : request.environment) environment.push_back(key + "=" + value);
    json config = {{"AttachStdout", true}, {"AttachStderr", true}, {"AttachStdin", false}, {"Tty", false},
                   {"Cmd", request.argv}, {"Env", environment}};
    if (!request.working_dir.empty()) config["WorkingDir"] = request.working_dir;
    id_ = engine_.call("POST", "/containers/" + container_ + "/exec", config).at("Id").get<std::string>();
    out_ = duplicate(request.stdout_fd);
    err_ = duplicate(request.stderr_fd);
    demux_ = std::make_unique<StreamDemux>([this](int stream, const char* data, size_t size) {
      int& fd = stream == 2 ? err_ : out_;
      if (!write_all(fd, data, size) && fd >= 0) {
        close(fd);  // the reader is gone; what follows is dropped, the command runs on
        fd = -1;
      }
    });
    stream_.open(engine_, "POST", "/exec/" + id_ + "/start", json{{"Detach", false}, {"Tty", false}},
                 [this](const char* data, size_t size) {
                   demux_->feed(data, size);
                   return true;
                 },
                 [this](const std::string& error) { ended(error); });
    // The daemon starts the process as it opens the stream; its pid shows a moment later.
    const auto deadline = Clock::now() + kExecPidTimeout;
    while (Clock::now() < deadline) {
      const json state = engine_.call("GET", "/exec/" + id_ + "/json");
      pid_ = state.value("Pid", 0);
      if (pid_ > 0) break;
      std::unique_lock lock(mutex_);
      if (changed_.wait_for(lock, std::chrono::milliseconds(5), [&] { return status_.has_value(); })) break;
    }
  }

 public:
  std::optional<int> wait_for(Duration timeout) override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return status_.has_value(); });
    return status_;
  }

  void kill() override {
    if (pid_ <= 0) return;
    {
      std::lock_guard lock(mutex_);
      if (status_) return;
    }
    // The Engine API has no call to end an exec'd process: it and what it started are signalled
    // by their pids, which are this machine's (the daemon shares its pid namespace). A runner
    // that may not signal them (not root) has root in the container do it.
    std::string inside;
    for (pid_t pid : descendants_and_self(pid_)) {
      if (::kill(pid, SIGKILL) == 0 || errno != EPERM) continue;
      const std::string nspid = pid_in_its_namespace(pid);
      if (!nspid.empty()) inside += " " + nspid;
    }
    if (inside.empty()) return;
    try {
      const std::string id = engine_.call("POST", "/containers/" + container_ + "/exec",
                                          {{"Cmd", {"/bin/sh", "-c", "kill -9" + inside}}, {"User", "0"}})
                                 .at("Id")
                                 .get<std::string>();
      engine_.call("POST", "/exec/" + id + "/start", {{"Detach", true}, {"Tty", false}});
    } catch (const std::exception&) {
      // It ends with its container at the latest.
    }
  }

  pid_t pid() const override { return pid_; }
  int exit_fd() const override { return exit_fd_; }

 private:
  // The pid a process has in the innermost pid namespace it is in (NSpid's last), or "".
  static std::string pid_in_its_namespace(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("NSpid:", 0) != 0) continue;
      const size_t last = line.find_last_of(" \t");
      return last == std::string::npos ? "" : line.substr(last + 1);
    }
    return "";
  }

  static std::vector<pid_t> descendants_and_self(pid_t root) {
    std::map<pid_t, std::vector<pid_t>> children;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string text;
      std::getline(stat, text);
      const size_t close_paren = text.rfind(')');
      if (close_paren == std::string::npos) continue;
      char state = 0;
      int parent = 0;
      if (std::sscanf(text.c_str() + close_paren + 1, " %c %d", &state, &parent) == 2) {
        children[parent].push_back(std::stoi(name));
      }
    }
    std::vector<pid_t> all{root};
    for (size_t i = 0; i < all.size() && all.size() < 4096; ++i) {
      for (pid_t child : children[all[i]]) all.push_back(child);
    }
    return all;
  }

  void close_outputs() {
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
    out_ = err_ = -1;
  }

  void ended(const std::string& error) {
    int status = -1;
    try {
      const json state = engine_.call("GET", "/exec/" + id_ + "/json");
      if (state.contains("ExitCode") && state["ExitCode"].is_number_integer()) status = state["ExitCode"].get<int>();
    } catch (const std::exception&) {
    }
    (void)error;
    close_outputs();
    {
      std::lock_guard lock(mutex_);
      status_ = status;
    }
    changed_.notify_all();
    const uint64_t one = 1;
    const ssize_t ignored = write(exit_fd_, &one, sizeof one);
    (void)ignored;
  }

  Engine engine_;
  std::string container_;
  std::string id_;
  int exit_fd_;
  int out_ = -1, err_ = -1;
  std::unique_ptr<StreamDemux> demux_;
  pid_t pid_ = -1;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<int> status_;
  StreamThread stream_;  // last: joined before the rest goes
};

// Runs tasks on one thread of its own: network namespaces are entered per thread, and a delay's
// queue reader is killed when the thread that forked it ends (PR_SET_PDEATHSIG), so both stay
// with a thread that lives as long as the backend.
class NetworkWorker {
 public:
  NetworkWorker() : thread_([this] { loop(); }) {}
  ~NetworkWorker() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void run(std::function<void()> task) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> result = done->get_future();
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back([task = std::move(task), done] {
        try {
          task();
          done->set_value();
        } catch (...) {
          done->set_exception(std::current_exception());
        }
      });
    }
    wake_.notify_all();
    result.get();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return closing_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool closing_ = false;
  std::thread thread_;
};

// The input table that drops what reaches a container from the addresses it must not hear from.
std::string input_drop_script(const std::vector<local::NetworkRequest::Drop>& drops) {
  std::string script = "add table ip faultline_drops\ndelete table ip faultline_drops\n";
  if (drops.empty()) return script;
  script += "table ip faultline_drops {\n  chain input {\n    type filter hook input priority filter; policy accept;\n";
  for (const auto& drop : drops) {
    script += "    ip saddr " + drop.from;
    if (drop.percent < 100) script += " numgen random mod 100 < " + std::to_string(drop.percent);
    script += " drop\n";
  }
  return script + "  }\n}\n";
}

class DockerBackend : public Backend {
 public:
  DockerBackend(const Project& project, ExitCallback on_exit, HealthCallback on_health,
                const DockerBackendOptions& options)
      : project_(project),
        on_exit_(std::move(on_exit)),
        on_health_(std::move(on_health)),
        engine_(options.socket_path.empty() ? socket_from_environment() : options.socket_path),
        helpers_(options.helpers),
        run_id_(random_id()) {
    engine_.api_version();
    try {
      remove_abandoned(engine_, project_.name);
    } catch (const std::exception&) {
      // What a dead runner left is tidied when it can be; it does not stop this run.
    }
    for (const auto& [name, spec] : project_.services) {
      if (spec.image.empty()) {
        throw std::runtime_error("service " + name + " has no image: the docker backend runs containers made from "
                                 "images (give it an image:, or run the file with --backend local)");
      }
      try {
        engine_.call("GET", "/images/" + url_encode(spec.image) + "/json");
      } catch (const DockerError& e) {
        if (e.status() != 404) throw;
        throw std::runtime_error("service " + name + ": image " + spec.image + " is not on the Docker daemon at " +
                                 engine_.socket_path() + ", and faultline pulls nothing: build it there first "
                                 "(faultline's own images: make docker-images)");
      }
    }
    reaper_ = std::make_unique<Reaper>(Reaper::start(
        engine_.socket_path(), label(),
        find_reaper_program(helpers_.empty() ? fs::path() : helpers_ / "faultline-docker-reaper")));
    labels_ = {{kRunLabel, run_id_}, {kProjectLabel, project_.name}, {kOwnerLabel, owner_of_this_process()}};
    try {
      make_network();
      for (const std::string& volume : project_.named_volumes) {
        engine_.call("POST", "/volumes/create", {{"Name", volume_name(volume)}, {"Labels", labels_}});
      }
      int index = 0;
      for (const std::string& name : project_.start_order) create_container(project_.services.at(name), index++);
      // After the containers are made (containers_ is fixed from here on), before any starts.
      watch_events();
    } catch (...) {
      destroy();
      throw;
    }
  }

  ~DockerBackend() override { destroy(); }

  void start(const std::string& name, int stdout_fd, int stderr_fd) override {
    Container& c = container(name);
    std::lock_guard serial(c.operations);
    {
      std::lock_guard lock(mutex_);
      if (destroyed_) throw std::runtime_error("the environment is going down");
      if (c.running) throw std::runtime_error("service " + name + " is running");
    }
    // Attached before it starts, so that nothing it writes is missed.
    c.attach.finish();
    const int out = duplicate(stdout_fd), err = duplicate(stderr_fd);
    auto outputs = std::make_shared<std::pair<int, int>>(out, err);
    auto demux = std::make_shared<StreamDemux>([outputs](int stream, const char* data, size_t size) {
      int& fd = stream == 2 ? outputs->second : outputs->first;
      if (!write_all(fd, data, size) && fd >= 0) {
        close(fd);
        fd = -1;
      }
    });
    const auto close_outputs = [outputs](const std::string&) {
      if (outputs->first >= 0) close(outputs->first);
      if (outputs->second >= 0) close(outputs->second);
      outputs->first = outputs->second = -1;
    };
    c.attach.open(engine_, "POST", "/containers/" + c.id + "/attach?stream=1&stdout=1&stderr=1", nullptr,
                  [demux](const char* data, size_t size) {
                    demux->feed(data, size);
                    return true;
                  },
                  close_outputs);
    {
      std::lock_guard lock(mutex_);
      c.running = true;
      c.paused = false;
    }
    try {
      engine_.call("POST", "/containers/" + c.id + "/start");
    } catch (...) {
      c.attach.cancel();
      c.attach.finish();
      std::lock_guard lock(mutex_);
      c.running = false;
      throw;
    }
    // Its network namespace is new with each start: the conditions in force reach it now.
    try {
      const json state = engine_.call("GET", "/containers/" + c.id + "/json");
      const pid_t pid = state.at("State").value("Pid", 0);
      std::lock_guard network_serial(network_mutex_);
      NetworkConditions wanted;
      {
        std::lock_guard lock(mutex_);
        wanted = conditions_;
      }
      if (pid > 0) {
        network_.run([&] {
          c.shaping.reset();
          if (c.netns_fd >= 0) close(c.netns_fd);
          c.netns_fd = open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
        });
        if (!wanted.empty()) apply(wanted, {name});
      }
    } catch (const std::exception&) {
      // It may have ended already; its exit is reported through the events.
    }
  }

  std::unique_ptr<RunningProcess> exec(const std::string& name, const ExecRequest& request) override {
    Container& c = container(name);
    return std::make_unique<DockerProcess>(engine_, c.id, request);
  }

  void stop(const std::string& name, Duration grace) override {
    Container& c = container(name);
    std::lock_guard serial(c.operations);
    unpause_for_signal(c);
    const int64_t seconds = (grace.count() + 999) / 1000;
    try {
      engine_.call("POST", "/containers/" + c.id + "/stop?t=" + std::to_string(seconds), nullptr,
                   grace + std::chrono::seconds(60));
    } catch (const DockerError& e) {
      if (e.status() != 304) throw;  // 304: it had ended already (its exit is on its way)
    }
  }

  void kill(const std::string& name) override {
    Container& c = container(name);
    std::lock_guard serial(c.operations);
    try {
      engine_.call("POST", "/containers/" + c.id + "/kill?signal=KILL");
    } catch (const DockerError& e) {
      if (e.status() != 409) throw;  // 409: it is not running, i.e. already ended
    }
    unpause_for_signal(c);
  }

  void pause(const std::string& name) override {
    Container& c = container(name);
    std::lock_guard serial(c.operations);
    engine_.call("POST", "/containers/" + c.id + "/pause");
    std::lock_guard lock(mutex_);
    c.paused = true;
  }

  void resume(const std::string& name) override {
    Container& c = container(name);
    std::lock_guard serial(c.operations);
    engine_.call("POST", "/containers/" + c.id + "/unpause");
    std::lock_guard lock(mutex_);
    c.paused = false;
  }

  void set_network(const NetworkConditions& conditions) override {
    std::set<std::string> names;
    for (const auto& [name, spec] : project_.services) names.insert(name);
    check_network_conditions(conditions, names);
    if (geteuid() != 0) {
      throw std::runtime_error("network faults on the docker backend enter each container's network namespace, "
                               "which needs root (faultline runs as uid " + std::to_string(geteuid()) + ")");
    }
    std::lock_guard serial(network_mutex_);
    NetworkConditions before;
    {
      std::lock_guard lock(mutex_);
      before = conditions_;
    }
    try {
      apply(conditions, names);
    } catch (...) {
      try {
        apply(before, names);
      } catch (const std::exception&) {
      }
      throw;
    }
    std::lock_guard lock(mutex_);
    conditions_ = conditions;
  }

  void set_clock_offset(const std::string& name, Duration) override {
    throw std::runtime_error("service " + name + ": its clock cannot be shifted: " + clock_unreachable(name));
  }

  std::string clock_unreachable(const std::string& name) const override {
    (void)container(name);
    return "the docker backend does not shift containers' clocks (a container shares the daemon machine's clock)";
  }

  std::string address(const std::string& name) const override { return container(name).address; }

  std::pair<std::string, std::string> entry(const std::string& name) const {
    return {engine_.socket_path(), container(name).id};
  }

  bool checks_health() const override { return true; }

  void destroy() override {
    {
      std::lock_guard lock(mutex_);
      if (destroyed_) return;
      destroyed_ = true;
    }
    // Removing a container kills it: its attach stream ends with it.
    for (auto& [name, c] : containers_) {
      try {
        engine_.remove_container(c.id);
      } catch (const std::exception&) {
      }
    }
    try {
      engine_.remove_labeled(label());
    } catch (const std::exception&) {
      // The reaper removes what is left.
    }
    for (auto& [name, c] : containers_) {
      c.attach.cancel();
      std::lock_guard serial(c.operations);  // a start under way has seen destroyed_ or is done
      c.attach.finish();
    }
    events_.cancel();
    events_.finish();
    network_.run([&] {
      for (auto& [name, c] : containers_) {
        c.shaping.reset();
        if (c.netns_fd >= 0) close(c.netns_fd);
        c.netns_fd = -1;
      }
    });
    if (reaper_) reaper_->finish();
  }

 private:
  struct Container {
    std::string id;
    std::string address;
    std::mutex operations;  // one start/stop/kill/pause at a time
    bool running = false;   // under mutex_
    bool paused = false;    // under mutex_
    StreamThread attach;
    // On the network worker's thread only:
    int netns_fd = -1;
    std::unique_ptr<local::ServiceShaping> shaping;
  };

  std::string label() const { return std::string(kRunLabel) + "=" + run_id_; }
  std::string network_name() const { return "faultline-" + run_id_; }
  std::string volume_name(const std::string& volume) const { return "faultline-" + run_id_ + "-" + volume; }

  Container& container(const std::string& name) {
    auto it = containers_.find(name);
    if (it == containers_.end()) throw std::runtime_error("no service " + name);
    return it->second;
  }
  const Container& container(const std::string& name) const {
    auto it = containers_.find(name);
    if (it == containers_.end()) throw std::runtime_error("no service " + name);
    return it->second;
  }

  // A signal reaches a frozen container's processes once they are thawed, as on the local backend.
  void unpause_for_signal(Container& c) {
    bool paused;
    {
      std::lock_guard lock(mutex_);
      paused = c.paused;
      c.paused = false;
    }
    if (!paused) return;
    try {
      engine_.call("POST", "/containers/" + c.id + "/unpause");
    } catch (const DockerError&) {
    }
  }

  void watch_events() {
    const json filters = {{"label", {label()}}, {"type", {"container"}}};
    auto partial = std::make_shared<std::string>();
    events_.open(engine_, "GET", "/events?filters=" + url_encode(filters.dump()), nullptr,
                 [this, partial](const char* data, size_t size) {
                   partial->append(data, size);
                   for (size_t newline; (newline = partial->find('\n')) != std::string::npos;) {
                     const std::string line = partial->substr(0, newline);
                     partial->erase(0, newline + 1);
                     on_event(json::parse(line, nullptr, false));
                   }
                   return true;
                 },
                 [](const std::string&) {});
  }

  void on_event(const json& event) {
    if (!event.is_object()) return;
    const std::string action = event.value("Action", event.value("status", ""));
    const json attributes = event.contains("Actor") ? event["Actor"].value("Attributes", json::object()) : json::object();
    const std::string service = attributes.value(kServiceLabel, "");
    auto it = containers_.find(service);
    if (it == containers_.end()) return;
    if (action == "die") {
      int status = -1;
      try {
        status = std::stoi(attributes.value("exitCode", "-1"));
      } catch (const std::exception&) {
      }
      {
        std::lock_guard lock(mutex_);
        it->second.running = false;
        it->second.paused = false;
        if (destroyed_) return;
      }
      on_exit_(service, status);
    } else if (action.rfind("health_status", 0) == 0) {
      const bool healthy = action.find("unhealthy") == std::string::npos && action.find(": healthy") != std::string::npos;
      if (!healthy && action.find("unhealthy") == std::string::npos) return;  // "starting"
      std::string output;
      try {
        const json state = engine_.call("GET", "/containers/" + it->second.id + "/json").at("State");
        const json& log = state.at("Health").at("Log");
        if (log.is_array() && !log.empty()) output = log.back().value("Output", "");
      } catch (const std::exception&) {
      }
      while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
      {
        std::lock_guard lock(mutex_);
        if (destroyed_) return;
      }
      on_health_(service, healthy, output);
    }
  }

  void make_network() {
    // Fixed addresses need a subnet of the network's own: the daemon picks a free one for a
    // network made without, which is then made again with it (the daemon refuses fixed addresses
    // on a subnet it chose). Internal: containers reach one another and nothing beyond.
    const json base = {{"Name", network_name()}, {"Driver", "bridge"}, {"Internal", true},
                       {"CheckDuplicate", true}, {"Labels", labels_}};
    for (int attempt = 0;; ++attempt) {
      const std::string probe = engine_.call("POST", "/networks/create", base).at("Id").get<std::string>();
      std::string subnet, gateway;
      try {
        const json network = engine_.call("GET", "/networks/" + probe);
        for (const json& config : network.at("IPAM").at("Config")) {
          if (config.value("Subnet", "").find('.') != std::string::npos) {
            subnet = config.value("Subnet", "");
            gateway = config.value("Gateway", "");
          }
        }
      } catch (...) {
        engine_.remove_network(probe);
        throw;
      }
      engine_.remove_network(probe);
      if (subnet.empty()) throw std::runtime_error("network " + network_name() + " has no IPv4 subnet");
      json config = {{"Subnet", subnet}};
      if (!gateway.empty()) config["Gateway"] = gateway;
      json request = base;
      request["IPAM"] = {{"Driver", "default"}, {"Config", json::array({config})}};
      try {
        network_id_ = engine_.call("POST", "/networks/create", request).at("Id").get<std::string>();
        subnet_ = subnet;
        return;
      } catch (const DockerError& e) {
        // Another network took the subnet meanwhile: ask again.
        if (attempt >= 3) throw;
      }
    }
  }

  // The address of the `index`th service: fixed, so that a restarted container keeps it and the
  // network rules naming it still hold. The subnet's .1 is the gateway.
  std::string address_at(int index) const {
    const std::string base = subnet_.substr(0, subnet_.find('/'));
    unsigned a, b, c, d;
    if (std::sscanf(base.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) throw std::runtime_error("bad subnet " + subnet_);
    const uint32_t value = ((a << 24) | (b << 16) | (c << 8) | d) + 2 + static_cast<uint32_t>(index);
    return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
           std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
  }

  void create_container(const ServiceSpec& spec, int index) {
    json environment = json::array();
    for (const auto& [key, value] : spec.environment) environment.push_back(key + "=" + value);
    json mounts = json::array();
    json tmpfs = json::object();
    for (const Mount& mount : spec.mounts) {
      switch (mount.kind) {
        case Mount::Kind::bind:
          mounts.push_back({{"Type", "bind"}, {"Source", mount.source}, {"Target", mount.target}, {"ReadOnly", mount.read_only}});
          break;
        case Mount::Kind::volume: {
          json m = {{"Type", "volume"}, {"Target", mount.target}, {"ReadOnly", mount.read_only}};
          if (!mount.source.empty()) m["Source"] = volume_name(mount.source);
          mounts.push_back(m);
          break;
        }
        case Mount::Kind::tmpfs:
          tmpfs[mount.target] = "";
          break;
      }
    }
    json labels = labels_;
    labels[kServiceLabel] = spec.name;
    Container& c = containers_[spec.name];
    c.address = address_at(index);
    json config = {
        {"Image", spec.image},
        {"Hostname", spec.hostname},
        {"Env", environment},
        {"Labels", labels},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"HostConfig",
         {{"NetworkMode", network_name()},
          {"Mounts", mounts},
          {"Tmpfs", tmpfs},
          // A program that ignores SIGTERM as pid 1 (sleep infinity) still stops: Docker's init
          // passes the signal on. `init: false` opts out, as in compose.
          {"Init", spec.init.value_or(true)}}},
        {"NetworkingConfig",
         {{"EndpointsConfig",
           {{network_name(), {{"Aliases", {spec.name}}, {"IPAMConfig", {{"IPv4Address", c.address}}}}}}}}}};
    if (spec.entrypoint) config["Entrypoint"] = *spec.entrypoint;
    if (spec.command) config["Cmd"] = *spec.command;
    if (!spec.working_dir.empty()) config["WorkingDir"] = spec.working_dir;
    if (!spec.user.empty()) config["User"] = spec.user;
    // No check in the file: none of the image's either (compose's disable: true), so that every
    // verdict the environment hears is of a check it knows.
    config["Healthcheck"] = {{"Test", json::array({"NONE"})}};
    if (spec.healthcheck) {
      config["Healthcheck"] = {{"Test", json::array({"CMD"})}, {"Interval", nanoseconds(spec.healthcheck->interval)},
                               {"Timeout", nanoseconds(spec.healthcheck->timeout)},
                               {"StartPeriod", nanoseconds(spec.healthcheck->start_period)},
                               {"Retries", spec.healthcheck->retries}};
      for (const std::string& arg : spec.healthcheck->argv) config["Healthcheck"]["Test"].push_back(arg);
    }
    const std::string name = "faultline-" + run_id_ + "-" + spec.name;
    try {
      c.id = engine_.call("POST", "/containers/create?name=" + url_encode(name), config).at("Id").get<std::string>();
    } catch (const std::exception& e) {
      throw std::runtime_error("service " + spec.name + ": the daemon refused its container: " + e.what());
    }
  }

  // Puts `wanted` in force in the containers of `services` that run.
  void apply(const NetworkConditions& wanted, const std::set<std::string>& services) {
    std::map<std::string, std::vector<local::NetworkRequest::Drop>> drops;  // by receiving service
    for (const auto& cut : wanted.cuts) {
      for (const std::string& from : cut.from) {
        for (const std::string& to : cut.to) {
          if (from != to) drops[to].push_back({container(from).address, container(to).address, 100});
        }
      }
    }
    for (const auto& loss : wanted.losses) {
      drops[loss.to].push_back({container(loss.from).address, container(loss.to).address, loss.percent});
    }
    std::map<std::string, local::NetworkRequest::Delay> delays;
    for (const auto& delay : wanted.delays) delays[delay.service] = {delay.mean.count(), delay.jitter.count()};
    std::map<std::string, uint64_t> bandwidths;
    for (const auto& limit : wanted.bandwidths) bandwidths[limit.service] = limit.bits_per_second;
    const fs::path reader = find_helper_program("faultline-sandbox", helpers_.empty() ? fs::path() : helpers_ / "faultline-sandbox",
                                                "FAULTLINE_SANDBOX_AGENT");
    network_.run([&] {
      for (const std::string& name : services) {
        Container& c = container(name);
        if (c.netns_fd < 0) continue;
        {
          std::lock_guard lock(mutex_);
          if (!c.running) continue;
        }
        std::string error;
        local::in_network_namespace(c.netns_fd, [&] {
          local::Nftables nft;
          error = nft.run(input_drop_script(drops[name]));
        });
        if (!error.empty()) throw std::runtime_error("network rules of " + name + ": " + error);
        const auto delay = delays.find(name);
        const auto limit = bandwidths.find(name);
        if (!c.shaping && delay == delays.end() && limit == bandwidths.end()) continue;
        if (!c.shaping) c.shaping = std::make_unique<local::ServiceShaping>(name, c.netns_fd, reader);
        c.shaping->apply(delay == delays.end() ? std::nullopt : std::optional(delay->second),
                         limit == bandwidths.end() ? 0 : limit->second);
      }
    });
  }

  Project project_;
  ExitCallback on_exit_;
  HealthCallback on_health_;
  Engine engine_;
  fs::path helpers_;
  std::string run_id_;
  json labels_;
  std::unique_ptr<Reaper> reaper_;
  std::string network_id_, subnet_;
  std::map<std::string, Container> containers_;  // made in the constructor, then fixed
  mutable std::mutex mutex_;
  std::mutex network_mutex_;  // one set_network, or one start's share of it, at a time
  NetworkConditions conditions_;
  bool destroyed_ = false;
  NetworkWorker network_;
  StreamThread events_;
};

}  // namespace

std::unique_ptr<Backend> make_docker_backend(const Project& project, Backend::ExitCallback on_exit,
                                             Backend::HealthCallback on_health, const DockerBackendOptions& options) {
  return std::make_unique<DockerBackend>(project, std::move(on_exit), std::move(on_health), options);
}

std::pair<std::string, std::string> container_of(Backend& backend, const std::string& service) {
  auto* docker = dynamic_cast<DockerBackend*>(&backend);
  if (docker == nullptr) throw std::invalid_argument("not a docker backend");
  return docker->entry(service);
}

std::unique_ptr<RunningProcess> exec_in_container(const std::string& socket_path, const std::string& container,
                                                  const ExecRequest& request) {
  return std::make_unique<DockerProcess>(Engine(socket_path), container, request);
}

void bring_image_folders(Project& project, const std::string& folder, const fs::path& into,
                         const DockerBackendOptions& options) {
  std::optional<Engine> engine;
  const json labels = {{kProjectLabel, project.name}, {kOwnerLabel, owner_of_this_process()}};
  for (auto& [name, spec] : project.services) {
    if (spec.image.empty()) continue;
    const bool covered = std::any_of(spec.mounts.begin(), spec.mounts.end(), [&](const Mount& m) {
      const std::string target = m.target.back() == '/' ? m.target : m.target + "/";
      return (folder + "/").rfind(target, 0) == 0;
    });
    if (covered) continue;
    if (!engine) {
      engine.emplace(options.socket_path.empty() ? socket_from_environment() : options.socket_path);
      engine->api_version();
    }
    const fs::path copy = into / name;
    try {
      if (!copy_from_image(*engine, spec.image, folder, copy, labels)) continue;
    } catch (const std::exception& e) {
      throw std::runtime_error("service " + name + ": reading " + folder + " of image " + spec.image + ": " + e.what());
    }
    spec.mounts.push_back({Mount::Kind::bind, fs::absolute(copy).string(), folder, true});
  }
}

int remove_abandoned(const std::string& project, const DockerBackendOptions& options) {
  Engine engine(options.socket_path.empty() ? socket_from_environment() : options.socket_path);
  engine.api_version();
  return remove_abandoned(engine, project);
}

}  // namespace faultline::env::docker
