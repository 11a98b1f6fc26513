// A service's clock file (agent_protocol.h's kClockFileName), as the sandbox agent writes it for
// libfaketime to read.
#ifndef FAULTLINE_SRC_ENV_LOCAL_CLOCK_FILE_H_
#define FAULTLINE_SRC_ENV_LOCAL_CLOCK_FILE_H_

#include <cstdint>
#include <string>

namespace faultline::env::local {

// `offset_ms` in libfaketime's relative format: "+30", "-12", "+1.500" (seconds; a fraction only
// when there is one, since libfaketime reads it with atof, whose decimal point is the locale's);
// "" for 0, which libfaketime reads as no offset, as it reads the empty file a service starts with.
std::string faketime_offset(int64_t offset_ms);

// Makes the clock file at `path` (and its folder), empty, unless it exists: a service started
// again keeps the offset of its run before.
void ensure_clock_file(const std::string& path);

// Puts `offset_ms` in the clock file at `path` at once: a temporary file renamed over it, so that
// a process reading it meanwhile finds the old offset or the new one, never a part. Throws
// std::runtime_error with the reason.
void write_clock_file(const std::string& path, int64_t offset_ms);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_CLOCK_FILE_H_
