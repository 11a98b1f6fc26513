#include "sdk_tail.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "events/json_line.h"

namespace faultline::run {

namespace fs = std::filesystem;

SdkTail::SdkTail(fs::path root, LineHandler on_line) : root_(std::move(root)), on_line_(std::move(on_line)) {
  inotify_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe failed");
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(root_, ec)) {
    if (entry.is_directory()) watch(entry.path());
  }
  watch(root_);
  thread_ = std::thread([this] { follow(); });
}

SdkTail::~SdkTail() {
  stop();
  close(inotify_);
  close(wake_[0]);
  close(wake_[1]);
}

void SdkTail::watch(const fs::path& directory) {
  inotify_add_watch(inotify_, directory.c_str(), IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO);
}

void SdkTail::stop() {
  if (stopping_.exchange(true)) return;
  const ssize_t ignored = write(wake_[1], "s", 1);
  (void)ignored;
  thread_.join();
  scan();  // whatever came after the last wake-up
  // A writer killed mid-line leaves half a line that nothing will complete now.
  std::lock_guard lock(mutex_);
  for (auto& [file, at] : files_) {
    if (at.partial_bytes == 0) continue;
    on_line_({file, at.lines + 1, at.partial, at.partial_bytes, /*unterminated=*/true});
  }
}

void SdkTail::follow() {
  while (!stopping_) {
    pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    // The timeout is a safety net for file systems without inotify events (e.g. some bind mounts).
    poll(fds, 2, 500);
    char buffer[4096];
    bool new_directory = false;
    ssize_t n;
    while ((n = read(inotify_, buffer, sizeof buffer)) > 0) {
      for (char* p = buffer; p < buffer + n;) {
        const auto* event = reinterpret_cast<inotify_event*>(p);
        if (event->mask & IN_ISDIR) new_directory = true;
        p += sizeof(inotify_event) + event->len;
      }
    }
    if (new_directory) {
      std::error_code ec;
      for (const auto& entry : fs::recursive_directory_iterator(root_, ec)) {
        if (entry.is_directory()) watch(entry.path());
      }
    }
    scan();
  }
}

void SdkTail::scan() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(root_, ec)) {
    // history.jsonl files are operation histories, gathered and checked at the timeline's end.
    if (!entry.is_regular_file() || entry.path().extension() != ".jsonl" || entry.path().filename() == "history.jsonl") continue;
    const std::string relative = fs::relative(entry.path(), root_).string();
    Position& at = files_[relative];
    const int fd = open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    // A file that shrank was truncated by its writer (official SDKs truncate on open): start over.
    const off_t size = lseek(fd, 0, SEEK_END);
    if (size >= 0 && static_cast<uint64_t>(size) < at.offset) at = Position{};
    lseek(fd, static_cast<off_t>(at.offset), SEEK_SET);
    char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      at.offset += static_cast<uint64_t>(n);
      const std::string_view chunk(buffer, static_cast<size_t>(n));
      for (size_t start = 0; start < chunk.size();) {
        const size_t newline = chunk.find('\n', start);
        const std::string_view piece = chunk.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        // Bytes past the limit are only counted: a 20 MB line costs 1 MB here.
        at.partial.append(piece.substr(0, events::kMaxLineBytes - std::min(at.partial.size(), events::kMaxLineBytes)));
        at.partial_bytes += piece.size();
        if (newline == std::string_view::npos) break;
        ++at.lines;
        on_line_({relative, at.lines, at.partial, at.partial_bytes});
        at.partial.clear();
        at.partial_bytes = 0;
        start = newline + 1;
      }
    }
    close(fd);
  }
}

}  // namespace faultline::run
