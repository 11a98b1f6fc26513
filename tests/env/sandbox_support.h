// Test support: what of a sandbox is left on this machine, seen through /proc.
#ifndef FAULTLINE_TESTS_ENV_SANDBOX_SUPPORT_H_
#define FAULTLINE_TESTS_ENV_SANDBOX_SUPPORT_H_

#include <sys/syscall.h>
#include <sys/types.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace faultline::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether `pid` has ended but is not reaped yet (a zombie holds nothing but its pid).
inline bool is_zombie(const std::string& pid) {
  const std::string stat = read_text("/proc/" + pid + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// Live processes of this machine in the namespace `ns_link` (e.g. "user:[4026532281]") of `kind`.
inline std::vector<pid_t> processes_in(const std::string& kind, const std::string& ns_link) {
  namespace fs = std::filesystem;
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    if (fs::read_symlink(entry.path() / "ns" / kind, ec).string() == ns_link && !is_zombie(name)) {
      found.push_back(std::stoi(name));
    }
  }
  return found;
}

// The namespace of `kind` that process `pid` is in, as /proc names it ("net:[4026532281]").
inline std::string namespace_of(pid_t pid, const std::string& kind) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + kind, ec).string();
}

// Waits (bounded) until no live process is left in the user namespace `user_ns`: processes that
// entered it from outside its PID namespace die asynchronously (PDEATHSIG), so their ends are
// awaited rather than assumed. Returns whether none is left.
inline bool await_no_process_in(const std::string& user_ns) {
  for (int round = 0; round < 20; ++round) {
    const std::vector<pid_t> left = processes_in("user", user_ns);
    if (left.empty()) return true;
    for (pid_t pid : left) {
      const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
      if (fd < 0) continue;  // already gone
      pollfd end{fd, POLLIN, 0};
      poll(&end, 1, 500);
      close(fd);
    }
  }
  return processes_in("user", user_ns).empty();
}

}  // namespace faultline::testing

#endif  // FAULTLINE_TESTS_ENV_SANDBOX_SUPPORT_H_
