#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "faultline/version.h"

namespace faultline::sdk {
namespace {

std::string output_path() {
  if (const char* path = std::getenv("ANTITHESIS_SDK_LOCAL_OUTPUT"); path != nullptr && *path) {
    return path;
  }
  if (const char* dir = std::getenv("ANTITHESIS_OUTPUT_DIR"); dir != nullptr && *dir) {
    return std::string(dir) + "/sdk.jsonl";
  }
  return {};
}

std::string compiler_version() {
#if defined(__VERSION__)
  return __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

Output& Output::instance() {
  static Output* const output = new Output();  // never destroyed: exit handlers still write
  return *output;
}

Output::Output() {
  const int saved_errno = errno;
  const std::string path = output_path();
  if (!path.empty()) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::fprintf(stderr, "[faultline-sdk] cannot open %s for SDK output: %s\n", path.c_str(),
                   std::strerror(errno));
    } else {
      const nlohmann::json header = {
          {"antithesis_sdk",
           {{"language", {{"name", "C++"}, {"version", compiler_version()}}},
            {"sdk_version", FAULTLINE_VERSION},
            {"protocol_version", FAULTLINE_PROTOCOL_VERSION}}}};
      write_line(header.dump());
    }
  }
  errno = saved_errno;
}

void Output::write_lines(std::string_view lines) const {
  if (fd_ < 0) return;
  const int saved_errno = errno;
  // Regular files take an O_APPEND write whole; the loop only matters on a full disk or a pipe.
  while (!lines.empty()) {
    const ssize_t n = ::write(fd_, lines.data(), lines.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    lines.remove_prefix(static_cast<size_t>(n));
  }
  errno = saved_errno;
}

void Output::write_line(std::string json_text) const {
  json_text.push_back('\n');
  write_lines(json_text);
}

}  // namespace faultline::sdk
