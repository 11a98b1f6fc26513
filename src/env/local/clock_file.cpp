#include "clock_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace faultline::env::local {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("clock file: cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string faketime_offset(int64_t offset_ms) {
  if (offset_ms == 0) return "";
  const uint64_t magnitude = offset_ms < 0 ? 0 - static_cast<uint64_t>(offset_ms) : static_cast<uint64_t>(offset_ms);
  char text[32];
  const char sign = offset_ms < 0 ? '-' : '+';
  const auto seconds = static_cast<unsigned long long>(magnitude / 1000);
  const auto millis = static_cast<unsigned>(magnitude % 1000);
  if (millis == 0) {
    std::snprintf(text, sizeof text, "%c%llu", sign, seconds);
  } else {
    std::snprintf(text, sizeof text, "%c%llu.%03u", sign, seconds, millis);
  }
  return text;
}

void ensure_clock_file(const std::string& path) {
  const std::string folder = path.substr(0, path.find_last_of('/'));
  if (mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) fail("make the folder of", path);
  // 0644: a service may run as any user, and each of its processes reads the file.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail("create", path);
  close(fd);
}

void write_clock_file(const std::string& path, int64_t offset_ms) {
  const std::string offset = faketime_offset(offset_ms);
  const std::string text = offset.empty() ? "" : offset + "\n";
  const std::string temporary = path + ".new";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create", temporary);
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  close(fd);
  if (!written) {
    unlink(temporary.c_str());
    errno = err;
    fail("write", temporary);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) fail("replace", path);
}

}  // namespace faultline::env::local
