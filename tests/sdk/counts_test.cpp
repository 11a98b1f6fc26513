// Exact pass and fail counts per process: written at exit, and while the process runs, so that a
// process killed outright loses at most the last second.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <chrono>

#include "sdk_lines.h"
#include "subprocess.h"

namespace faultline::testing {
namespace {

TEST(Counts, WrittenAtExit) {
  TempDir dir;
  const auto out = dir.path() / "sdk.jsonl";
  ASSERT_EQ(run({COUNTS_PROGRAM, "100000", "37", "exit"}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", out.string()}}), 0);
  const SdkLines lines(read_json_lines(out));
  EXPECT_EQ(lines.by_id.at("Counted assertion").passes, 100000u);
  EXPECT_EQ(lines.by_id.at("Counted assertion").fails, 37u);
  EXPECT_EQ(lines.by_id.at("Counted assertion").hits.size(), 2u) << "first pass and first fail only";
}

// Waits (on inotify, bounded) until the file holds counts with the given passes.
bool wait_for_counts(const std::filesystem::path& out, uint64_t passes, std::chrono::seconds limit) {
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  inotify_add_watch(fd, out.c_str(), IN_MODIFY);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    const SdkLines lines(read_json_lines(out));
    found = lines.by_id.count("Counted assertion") && lines.by_id.at("Counted assertion").passes == passes;
    if (!found) {
      fd_set set;
      FD_ZERO(&set);
      FD_SET(fd, &set);
      timeval tv{0, 200000};
      select(fd + 1, &set, nullptr, nullptr, &tv);
      char buffer[4096];
      while (read(fd, buffer, sizeof buffer) > 0) {
      }
    }
  }
  close(fd);
  return found;
}

TEST(Counts, FlushedWhileRunningSoAKilledProcessKeepsThem) {
  TempDir dir;
  const auto out = dir.path() / "sdk.jsonl";
  Child child = start({COUNTS_PROGRAM, "5000", "3", "wait"}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", out.string()}});
  ASSERT_EQ(read_line(child), "done");
  const bool flushed = wait_for_counts(out, 5000, std::chrono::seconds(10));
  kill(child.pid, SIGKILL);
  EXPECT_EQ(wait_for(child), 128 + SIGKILL);
  ASSERT_TRUE(flushed) << "no counts within 10 s of the evaluations";
  const SdkLines lines(read_json_lines(out));
  EXPECT_EQ(lines.by_id.at("Counted assertion").fails, 3u);
}

}  // namespace
}  // namespace faultline::testing
