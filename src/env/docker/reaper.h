// Cleaning up what a run made on a Docker daemon when the runner is gone (the pattern of
// Testcontainers' Ryuk). Containers outlive the process that made them, so everything faultline
// makes carries labels naming its run, and two things remove it when the runner cannot:
//   - `Reaper`: a process of its own (faultline-docker-reaper, in its own session) that holds the
//     read end of a pipe whose write end only the runner has; when the runner exits or is killed
//     (even by SIGKILL) the kernel closes that end, and the reaper removes what carries the run's
//     label.
//   - `remove_abandoned`: for the next run and `faultline env down`, when the reaper was killed
//     too: whatever carries an owner label of a process that no longer exists.
// Nothing without faultline's labels is ever touched.
#ifndef FAULTLINE_SRC_ENV_DOCKER_REAPER_H_
#define FAULTLINE_SRC_ENV_DOCKER_REAPER_H_

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "env/docker/engine.h"

namespace faultline::env::docker {

// The label keys on everything faultline makes on a daemon.
inline constexpr const char* kRunLabel = "faultline.run";          // value: the run's id
inline constexpr const char* kOwnerLabel = "faultline.owner";      // value: owner_of_this_process()
inline constexpr const char* kProjectLabel = "faultline.project";  // value: the compose project's name

// This process as "<boot id>:<pid>:<start time>" (the start time in clock ticks since boot, field
// 22 of /proc/self/stat), so that a pid reused after this process is gone, or the same pid after a
// reboot, is not taken for it. Throws std::runtime_error when /proc cannot tell.
std::string owner_of_this_process();

// Whether the process `owner` (as owner_of_this_process() makes it) still runs: this boot, and a
// process with that pid and start time that is not a zombie. A malformed value is false: only
// things carrying faultline's labels are ever looked at, and one whose owner cannot be read can
// belong to no live runner, so it counts as abandoned.
// Caveat: pids are those of this pid namespace; a runner in another pid namespace sharing the
// daemon (a container with the host's socket) looks dead from here.
bool owner_alive(const std::string& owner);

// Removes every container, then network, then volume that carries kOwnerLabel with an owner that is
// not alive (only those also carrying kProjectLabel=`project`, when `project` is not empty).
// Returns how many it removed; what is already gone (404, or a container another party is removing
// right now) is no error. Goes on past a failure and throws the first one (DockerError) at the end.
int remove_abandoned(Engine& engine, const std::string& project);

// The faultline-docker-reaper to start: `explicit_path` when given, else $FAULTLINE_DOCKER_REAPER,
// else the one next to this executable, else the first on PATH. Throws std::runtime_error when none
// is found.
std::filesystem::path find_reaper_program(const std::filesystem::path& explicit_path = {});

// A running faultline-docker-reaper for one run. Move-only; destroying it is finish().
class Reaper {
 public:
  // Starts `program` (see find_reaper_program) for the daemon at `socket_path` and `run_label`
  // ("faultline.run=<id>": key=value, both non-empty, else std::invalid_argument), in a session of
  // its own so that a Ctrl-C to the runner's terminal does not reach it. Returns once the reaper has
  // reached the daemon (at most 5 s); throws std::runtime_error naming what went wrong (no daemon,
  // program not runnable, no answer in time), leaving no process behind.
  static Reaper start(const std::string& socket_path, const std::string& run_label,
                      const std::filesystem::path& program);

  Reaper(Reaper&& other) noexcept;
  Reaper& operator=(Reaper&& other) noexcept;
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;
  ~Reaper();

  // Tells the reaper the runner is done (as its death would) and waits until it has removed what is
  // left with the label and exited: at most ~30 s, then it is killed. True when it reported
  // everything removed; its failures are on its stderr (the runner's). Idempotent: later calls
  // return the first answer.
  bool finish();

  // The reaper's pid (-1 once finished), for tests.
  pid_t pid() const { return pid_; }

 private:
  Reaper(pid_t pid, int lifeline_fd, int status_fd) : pid_(pid), lifeline_fd_(lifeline_fd), status_fd_(status_fd) {}

  pid_t pid_ = -1;
  int lifeline_fd_ = -1;  // the write end of the reaper's fd 3; its closing is the signal
  int status_fd_ = -1;    // the read end of the reaper's fd 4: "ready", then its result, then EOF
  bool finished_ok_ = false;
};

}  // namespace faultline::env::docker

#endif  // FAULTLINE_SRC_ENV_DOCKER_REAPER_H_
