#include "acked_writes.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace etcd_example {
namespace {
constexpr const char* kDirectory = "/var/lib/etcd-example/acked";
}  // namespace

void record_acked_write(const std::string& key, const std::string& value) {
  std::filesystem::create_directories(kDirectory);
  const std::string file = std::string(kDirectory) + "/" + std::to_string(getpid()) + ".tsv";
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const std::string line = key + "\t" + value + "\n";
  const ssize_t ignored = write(fd, line.data(), line.size());
  (void)ignored;
  close(fd);
}

std::vector<std::pair<std::string, std::string>> acked_writes() {
  std::vector<std::pair<std::string, std::string>> writes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kDirectory, ec)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const size_t tab = line.find('\t');
      if (tab != std::string::npos) writes.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
  }
  return writes;
}

}  // namespace etcd_example
