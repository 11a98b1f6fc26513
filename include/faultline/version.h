// faultline SDK: versions written in the SDK header line.
#ifndef FAULTLINE_VERSION_H_
#define FAULTLINE_VERSION_H_

// faultline's own version, written as the SDK's "sdk_version".
#define FAULTLINE_VERSION "0.1.0"

// The Antithesis SDK protocol version whose lines faultline writes and reads.
#define FAULTLINE_PROTOCOL_VERSION "1.1.0"

#endif  // FAULTLINE_VERSION_H_
