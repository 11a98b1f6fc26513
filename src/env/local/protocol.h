// Messages between faultline and its sandbox agent: one JSON object per datagram on a
// SOCK_SEQPACKET socket, with file descriptors passed alongside (SCM_RIGHTS).
#ifndef FAULTLINE_SRC_ENV_LOCAL_PROTOCOL_H_
#define FAULTLINE_SRC_ENV_LOCAL_PROTOCOL_H_

#include <nlohmann/json.hpp>
#include <vector>

namespace faultline::env::local {

// Sends `message` with `fds` (not closed). Returns false when the peer is gone.
bool send_message(int socket, const nlohmann::json& message, const std::vector<int>& fds = {});

// Receives one message and the descriptors that came with it (owned by the caller). Returns false
// at end of stream or on error.
bool receive_message(int socket, nlohmann::json* message, std::vector<int>* fds);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_PROTOCOL_H_
