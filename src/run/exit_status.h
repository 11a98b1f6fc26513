// faultline's exit statuses, for every command (docs/run-directory.md lists them for users).
#ifndef FAULTLINE_SRC_RUN_EXIT_STATUS_H_
#define FAULTLINE_SRC_RUN_EXIT_STATUS_H_

namespace faultline::run {

inline constexpr int kExitPassed = 0;       // every property passes; every history is linearizable
inline constexpr int kExitFailed = 1;       // a property fails; a history is not linearizable
inline constexpr int kExitUsage = 2;        // usage, configuration or setup error
inline constexpr int kExitUndecided = 3;    // `check`: a history could not be decided in time
inline constexpr int kExitInterrupted = 130;  // Ctrl-C or SIGTERM, after a full teardown

// What an exit status means, in a few words.
inline const char* exit_status_meaning(int status) {
  switch (status) {
    case kExitPassed: return "every property passes";
    case kExitFailed: return "a property fails";
    case kExitInterrupted: return "interrupted";
    case kExitUndecided: return "undecided in time";
    default: return "setup or configuration error";
  }
}

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_EXIT_STATUS_H_
