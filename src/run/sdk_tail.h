// Follows the JSON-lines files that SDKs write during a timeline (every service's and every
// command invocation's), as they grow, and hands over each complete line with its file and number.
// A line longer than events::kMaxLineBytes is handed over cut to that length, with its full length:
// the tail's memory stays bounded whatever a process writes.
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
  // One line of a file: its number (from 1), its text (at most events::kMaxLineBytes of it) and its
  // length in bytes before any cut.
  struct Line {
    const std::string& file;
    uint64_t number;
    const std::string& text;
    size_t full_bytes;
    bool unterminated = false;  // the file's last line, without its newline when the tail stopped
  };
  // Called from the tail's thread, in file order per file; every line, empty ones too, so that
  // numbers match the file's.
  using LineHandler = std::function<void(const Line& line)>;

  SdkTail(std::filesystem::path root, LineHandler on_line);
  ~SdkTail();
  SdkTail(const SdkTail&) = delete;
  SdkTail& operator=(const SdkTail&) = delete;

  // Watches a folder created after the start (a command invocation's).
  void watch(const std::filesystem::path& directory);
  // Reads what is left, hands over each file's unterminated last line, and stops (idempotent).
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
  // Where the tail is in one file.
  struct Position {
    uint64_t offset = 0;
    uint64_t lines = 0;       // complete lines handed over
    std::string partial;      // the line being written, up to kMaxLineBytes
    size_t partial_bytes = 0;  // its length so far, cut bytes included
  };
  std::map<std::string, Position> files_;
  std::thread thread_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SDK_TAIL_H_
