// The queue reader behind a delay. The kernel of this project's machines has no netem, so a
// delayed service's packets are queued to user space (an NFQUEUE rule in its network namespace)
// and this reader holds each for its delay, then lets it go. It runs as `faultline-sandbox delay`,
// which the agent starts inside the service's network namespace (a queue belongs to the namespace
// its socket was made in) and inside the sandbox's PID namespace, so it ends with the sandbox.
#ifndef FAULTLINE_SRC_ENV_LOCAL_DELAY_QUEUE_H_
#define FAULTLINE_SRC_ENV_LOCAL_DELAY_QUEUE_H_

#include <cstdint>

namespace faultline::env::local {

// The reader's socket to the agent. JSON datagrams (protocol.h):
//   reader -> agent, first: {"ready": true} once its queue is bound, or {"error": "<reason>"}
//   agent -> reader: {"mean_ms": M, "jitter_ms": J}  -> {"ok": true} once packets queued from
//                    then on wait M +- J ms (uniform)
// At the end of the stream (the agent is gone) the reader lets every held packet go and exits.
inline constexpr int kDelayControlFd = 3;
// The queue the NFQUEUE rule sends to (queues are per network namespace: one reader each).
inline constexpr uint16_t kDelayQueueNumber = 0;
// Packets carrying this mark bit are queued; the reader clears it as it lets them go.
inline constexpr uint32_t kDelayMark = 0x20000000;

// The reader's main loop; returns the process's exit status.
int run_delay_queue();

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_DELAY_QUEUE_H_
