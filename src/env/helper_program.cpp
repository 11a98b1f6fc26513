#include "helper_program.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace faultline::env {

namespace fs = std::filesystem;

fs::path find_helper_program(const std::string& name, const fs::path& chosen, const char* variable) {
  if (!chosen.empty()) return chosen;
  if (const char* env = std::getenv(variable); env != nullptr && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / name)) return self.parent_path() / name;
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t start = 0, colon; start <= dirs.size(); start = colon + 1) {
    colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const fs::path candidate = fs::path(dirs.substr(start, colon - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("cannot find " + name + " (next to this program, on PATH, or in $" + variable + ")");
}

}  // namespace faultline::env
