// What faultline (Reaper) and faultline-docker-reaper agree on: the descriptors the reaper is
// started with and the lines it writes on its status pipe.
#ifndef FAULTLINE_SRC_ENV_DOCKER_REAPER_PROTOCOL_H_
#define FAULTLINE_SRC_ENV_DOCKER_REAPER_PROTOCOL_H_

#include <string>

namespace faultline::env::docker {

// The reaper's fd 3: the read end of a pipe only the runner writes to. EOF means the runner is gone.
inline constexpr int kReaperLifelineFd = 3;
// The reaper's fd 4: one line per message, "ready" once it has reached the daemon, "error <what>"
// when it cannot start, "done <n removed>" or "failed <what>" at the end; EOF when it has exited.
inline constexpr int kReaperStatusFd = 4;
inline constexpr const char* kReaperReady = "ready";
inline constexpr const char* kReaperDone = "done";
// Written by the runner on the lifeline before it closes it when it ends on purpose: no request of
// its is in flight, so the reaper need not wait for something the daemon may still be creating.
inline constexpr char kReaperFinishByte = 'F';

// A label the reaper may remove by: "key=value" with both non-empty. A bare key would match every
// run's things, so it is refused on both sides.
inline bool valid_reaper_label(const std::string& label) {
  const size_t equals = label.find('=');
  return equals != std::string::npos && equals > 0 && equals + 1 < label.size();
}

}  // namespace faultline::env::docker

#endif  // FAULTLINE_SRC_ENV_DOCKER_REAPER_PROTOCOL_H_
