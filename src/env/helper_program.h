// Where faultline's helper programs are (faultline-sandbox, faultline-docker-reaper): installed or
// built next to the program that needs them, else on PATH.
#ifndef FAULTLINE_SRC_ENV_HELPER_PROGRAM_H_
#define FAULTLINE_SRC_ENV_HELPER_PROGRAM_H_

#include <filesystem>
#include <string>

namespace faultline::env {

// `chosen` when not empty, else $`variable` when set, else `name` next to this program
// (/proc/self/exe), else on PATH. Throws std::runtime_error naming where it looked.
std::filesystem::path find_helper_program(const std::string& name, const std::filesystem::path& chosen,
                                          const char* variable);

}  // namespace faultline::env

#endif  // FAULTLINE_SRC_ENV_HELPER_PROGRAM_H_
