#include "clock.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>

#include "agent_protocol.h"
#include "enter.h"
#include "program_file.h"

namespace faultline::env::local {
namespace {

// Where distributions put libfaketime: Debian in its multiarch folder, others in lib or lib64.
constexpr const char* kLibfaketimePaths[] = {
#if defined(__x86_64__)
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
#elif defined(__aarch64__)
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
#endif
    "/usr/lib64/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
};

// The kernel runs a script's interpreter, and that one's, to this depth at most.
constexpr int kMaxInterpreters = 4;

// A mount's target without the "/" it may end in.
std::string folder_of(const Mount& mount) {
  std::string folder = mount.target;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  return folder;
}

// Whether `path` is `folder` or inside it.
bool under(const std::string& path, const std::string& folder) {
  return path == folder || path.rfind(folder == "/" ? folder : folder + "/", 0) == 0;
}

// The file on this machine that the service sees at `path` (absolute), or "" when it is none of
// this machine's files: a volume, a tmpfs, or the service's own /tmp and /run.
std::string host_path(const ServiceSpec& spec, const std::string& path) {
  const Mount* covering = nullptr;  // the innermost mount that holds `path`
  std::string covered;
  for (const Mount& mount : spec.mounts) {
    const std::string folder = folder_of(mount);
    if (under(path, folder) && folder.size() >= covered.size()) {
      covering = &mount;
      covered = folder;
    }
  }
  if (covering != nullptr) {
    return covering->kind == Mount::Kind::bind ? covering->source + path.substr(covered == "/" ? 0 : covered.size()) : "";
  }
  return under(path, "/tmp") || under(path, "/run") ? "" : path;
}

// A program as the service names it, and where this machine has it.
struct Located {
  std::string in_service, on_host;
};

// `program` as execvp finds it in the service (relative names from its working directory).
std::optional<Located> locate(const ServiceSpec& spec, const std::string& program, const std::string& path) {
  for (std::string candidate : program_candidates(program, path)) {
    if (candidate.front() != '/') candidate = spec.working_dir + "/" + candidate;  // empty: the service's /
    const std::string on_host = host_path(spec, candidate);
    struct stat st;
    if (!on_host.empty() && stat(on_host.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(on_host.c_str(), X_OK) == 0) {
      return Located{candidate, on_host};
    }
  }
  return std::nullopt;
}

// The program that a "#!" line names: the kernel runs its first word as a path; /usr/bin/env
// finds its first operand (after options such as -S and variables NAME=value) on the PATH.
std::string interpreted_by(const std::vector<std::string>& line) {
  const std::string& program = line.at(0);
  if (program.substr(program.find_last_of('/') + 1) != "env" || line.size() < 2) {
    return program.find('/') == std::string::npos ? "./" + program : program;
  }
  for (size_t start = 0; start < line[1].size();) {
    const size_t end = std::min(line[1].find_first_of(" \t", start), line[1].size());
    const std::string word = line[1].substr(start, end - start);
    if (!word.empty() && word[0] != '-' && word.find('=') == std::string::npos) return word;
    start = end + 1;
  }
  return program;
}

// What keeps libfaketime out of `program`, worded to follow "<program> is ", or "".
std::string obstacle(const ServiceSpec& spec, const std::string& path, const Located& program, int depth) {
  ProgramFile file;
  try {
    file = read_program_file(program.on_host);
  } catch (const std::exception& e) {
    return std::string("unreadable (") + e.what() + ")";
  }
  switch (file.kind) {
    case ProgramFile::Kind::dynamic: return "";
    case ProgramFile::Kind::go: return "a Go program, which reads the clock without libc";
    case ProgramFile::Kind::static_program: return "a statically linked program, which ignores LD_PRELOAD";
    case ProgramFile::Kind::other_class: return "a program of another word size than libfaketime's";
    case ProgramFile::Kind::unknown: return "neither an ELF program nor a script";
    case ProgramFile::Kind::script: break;
  }
  if (file.interpreter.empty()) return "a script whose #! line names no interpreter";
  if (depth == kMaxInterpreters) return "a script of interpreters nested too deep to start";
  const std::string interpreter = interpreted_by(file.interpreter);
  const std::optional<Located> found = locate(spec, interpreter, path);
  if (!found) return "a script for " + interpreter + ", which is none of this machine's programs";
  const std::string why = obstacle(spec, path, *found, depth + 1);
  return why.empty() ? "" : "a script for " + found->in_service + ", " + why;
}

}  // namespace

std::string find_libfaketime() {
  if (const char* named = std::getenv("FAULTLINE_LIBFAKETIME"); named != nullptr && *named) {
    return access(named, R_OK) == 0 ? named : "";
  }
  for (const char* path : kLibfaketimePaths) {
    if (access(path, R_OK) == 0) return path;
  }
  return "";
}

std::string clock_uncontrolled(const ServiceSpec& spec, const std::string& libfaketime) {
  if (!spec.clock_control) return "clock_control is off";
  if (libfaketime.empty()) return "libfaketime is not installed (Debian: libfaketime; or set FAULTLINE_LIBFAKETIME)";
  for (const Mount& mount : spec.mounts) {
    if (under("/run", folder_of(mount))) return "a volume on its /run hides faultline's clock file there";
  }
  return "";
}

void add_clock_environment(std::map<std::string, std::string>& environment, const std::string& libfaketime) {
  std::string& preload = environment["LD_PRELOAD"];
  preload = preload.empty() ? libfaketime : libfaketime + ":" + preload;
  environment["FAKETIME_TIMESTAMP_FILE"] = std::string("/run/") + kClockFileName;
  environment["FAKETIME_NO_CACHE"] = "1";  // the file is read at every clock read: an offset holds at once
  environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
  environment.erase("FAKETIME");
  // A program built with AddressSanitizer refuses to start when a library is preloaded before its
  // runtime, unless told that the order is fine: it is, libfaketime wraps only the clock calls.
  std::string& asan = environment["ASAN_OPTIONS"];
  asan = asan.empty() ? "verify_asan_link_order=0" : asan + ":verify_asan_link_order=0";
}

std::string program_clock_unreachable(const ServiceSpec& spec, const std::string& path) {
  if (spec.argv.empty()) return "it has no command";
  const std::optional<Located> program = locate(spec, spec.argv[0], path);
  if (!program) return "faultline cannot find " + spec.argv[0] + " among this machine's programs on the service's PATH";
  const std::string why = obstacle(spec, path, *program, 0);
  return why.empty() ? "" : program->in_service + " is " + why;
}

}  // namespace faultline::env::local
