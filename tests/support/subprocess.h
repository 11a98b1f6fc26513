// Test support: run a program with extra environment variables, and read JSON-lines files.
#ifndef FAULTLINE_TESTS_SUPPORT_SUBPROCESS_H_
#define FAULTLINE_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace faultline::testing {

using Environment = std::map<std::string, std::string>;

// A started child process whose stdout is a pipe.
struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
};

// Starts `argv` with this process's environment plus `extra` (an empty value removes a variable);
// with `merge_stderr`, its stderr goes to the same pipe as its stdout.
Child start(const std::vector<std::string>& argv, const Environment& extra, bool merge_stderr = false);

// Reads one line from the child's stdout (blocking); empty at end of file.
std::string read_line(const Child& child);

// Waits for the child; returns its exit status (or 128 + signal).
int wait_for(Child& child);

// Runs `argv` to completion; returns the exit status and fills `output` with stdout (and stderr
// too, with `merge_stderr`).
int run(const std::vector<std::string>& argv, const Environment& extra, std::string* output = nullptr,
        bool merge_stderr = false);

// Every line of a JSON-lines file, parsed; a line that does not parse fails the calling test.
std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& path);

// A fresh directory under the system's temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace faultline::testing

#endif  // FAULTLINE_TESTS_SUPPORT_SUBPROCESS_H_
