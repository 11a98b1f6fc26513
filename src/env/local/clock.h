// Clock control in the local backend, on faultline's side: libfaketime preloaded into a service's
// processes, reading the service's clock file (agent_protocol.h), and whether that reaches the
// program the service runs. Time namespaces cannot do it: they shift only the monotonic and boot
// clocks, and only when a process starts.
#ifndef FAULTLINE_SRC_ENV_LOCAL_CLOCK_H_
#define FAULTLINE_SRC_ENV_LOCAL_CLOCK_H_

#include <map>
#include <string>

#include "../compose.h"

namespace faultline::env::local {

// libfaketime's preload library on this machine: FAULTLINE_LIBFAKETIME if it names one, else
// where Debian (package libfaketime) and other distributions install it; "" when there is none.
std::string find_libfaketime();

// Why the service's clock cannot be shifted at all ("clock_control is off", "libfaketime is not
// installed", ...), or "" when it can: its processes then start under `libfaketime`.
std::string clock_uncontrolled(const ServiceSpec& spec, const std::string& libfaketime);

// Adds to a service's environment what makes each of its processes, and each command exec'd into
// it, start with libfaketime preloaded (ahead of any LD_PRELOAD of its own) and read its wall
// clock's offset from the service's clock file at every clock read, leaving monotonic clocks
// alone. A FAKETIME of the service's own goes: the file alone says what the offset is.
void add_clock_environment(std::map<std::string, std::string>& environment, const std::string& libfaketime);

// Why libfaketime cannot reach the program the service starts ("/usr/bin/etcd is a Go program,
// which reads the clock without libc"), or "". The program is argv[0] found on `path` (the
// service's PATH) among this machine's files as the service sees them: the host's, with its bind
// mounts; a script is judged by its interpreter.
std::string program_clock_unreachable(const ServiceSpec& spec, const std::string& path);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_CLOCK_H_
