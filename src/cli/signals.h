// The signals that end faultline: a thread takes them (sigtimedwait) so that teardown always runs.
#ifndef FAULTLINE_SRC_CLI_SIGNALS_H_
#define FAULTLINE_SRC_CLI_SIGNALS_H_

#include <signal.h>

namespace faultline::cli {

// SIGINT, SIGTERM and SIGHUP.
inline sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_SIGNALS_H_
