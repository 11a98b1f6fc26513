// What faultline asks of its sandbox agent, and what the agent says back (docs/architecture.md).
//
// Requests carry "op" and "id"; every request gets one reply with the same "id" and either
// "ok": true (plus results) or "error": "<reason>". Events, unasked, carry "event".
//
//   {"op": "start", "id": N, "service": {...}}  + [stdout fd, stderr fd]
//        -> {"id": N, "ok": true, "pid": <pid in the sandbox>}  + [pidfd of the service's init]
//        A service that has exited can be started again (same state folder: layers, /tmp, /run,
//        anonymous volumes), with the network conditions in force applied before it runs. With
//        "clock_control": true in the service, its clock file (kClockFileName) is made, empty,
//        unless an earlier run left one: its offset holds across restarts.
//   {"op": "pause", "id": N, "service": "name"}   -> {"id": N, "ok": true}  once every process
//        of the service is stopped (its init confirms)
//   {"op": "resume", "id": N, "service": "name"}  -> {"id": N, "ok": true}  once continued
//   {"op": "network", "id": N, "conditions": C}    -> {"id": N, "ok": true}  once C is in force
//        in place of the conditions before, or {"error"} naming what failed (the conditions
//        before are then put back). C (network_request.h):
//          {"drops": [{"from": "10.213.0.2", "to": "10.213.0.3", "percent": 100}, ...],
//           "delays": {"service": {"mean_ms": 100, "jitter_ms": 20}, ...},
//           "bandwidths": {"service": <bits per second>, ...}}
//   {"op": "clock", "id": N, "service": "name", "offset_ms": M}  -> {"id": N, "ok": true}  once
//        the service's clock file holds M (its processes read it at every read of the clock), or
//        {"error"} when the service does not run or was started without "clock_control"
//   {"event": "ready"}                                the agent is up (first message)
//   {"event": "exited", "service": "name", "status": S}   S: exit code, or 128 + signal
#ifndef FAULTLINE_SRC_ENV_LOCAL_AGENT_PROTOCOL_H_
#define FAULTLINE_SRC_ENV_LOCAL_AGENT_PROTOCOL_H_

namespace faultline::env::local {

// The bridge that connects the services inside the sandbox, and their subnet.
inline constexpr const char* kBridgeName = "fl0";
inline constexpr int kSubnetPrefixLength = 16;

// The agent's control socket is this descriptor.
inline constexpr int kAgentControlFd = 3;

// The file in a service's own /run (kept across restarts) that libfaketime, preloaded into every
// process of a service with clock_control (FAKETIME_TIMESTAMP_FILE), reads at every clock read:
// its first line is the wall clock's offset (clock_file.h); empty, there is none.
inline constexpr const char* kClockFileName = "faultline-clock";

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_AGENT_PROTOCOL_H_
