// What the fuzz targets that read files share: a folder of this process's own for them.
#ifndef FAULTLINE_FUZZ_FUZZ_SUPPORT_H_
#define FAULTLINE_FUZZ_FUZZ_SUPPORT_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace faultline::fuzz {

// /tmp/faultline-fuzz-<pid>/, made on first use (the input replaces the named file each time) and
// removed when the process exits normally.
inline std::filesystem::path scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("faultline-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("faultline-fuzz-" + std::to_string(getpid())),
                                  ignored);
    });
    return d;
  }();
  return dir;
}

// Writes `size` bytes of `data` as `name` in the scratch folder; returns its path.
inline std::filesystem::path write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const auto path = scratch() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace faultline::fuzz

#endif  // FAULTLINE_FUZZ_FUZZ_SUPPORT_H_
