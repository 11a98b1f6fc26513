// Follows the JSON-lines files that SDKs write during a timeline (every service's and every
// command invocation's), as they grow, and hands over each complete line with its file.
#ifndef FAULTLINE_SRC_RUN_SDK_TAIL_H_
#define FAULTLINE_SRC_RUN_SDK_TAIL_H_

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace faultline::run {

class SdkTail {
 public:
  // `on_line(relative_path, line)` is called from the tail's thread, in file order per file.
  using LineHandler = std::function<void(const std::string& file, const std::string& line)>;

  SdkTail(std::filesystem::path root, LineHandler on_line);
  ~SdkTail();
  SdkTail(const SdkTail&) = delete;
  SdkTail& operator=(const SdkTail&) = delete;

  // Watches a folder created after the start (a command invocation's).
  void watch(const std::filesystem::path& directory);
  // Reads what is left and stops (idempotent).
  void stop();

 private:
  void follow();
  void scan();

  std::filesystem::path root_;
  LineHandler on_line_;
  int inotify_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, std::pair<uint64_t, std::string>> files_;  // offset and partial line
  std::thread thread_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SDK_TAIL_H_
