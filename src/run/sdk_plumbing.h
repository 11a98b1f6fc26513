// How the SDKs of every process of a timeline reach faultline: the timeline's SDK folder, mounted
// into every service, and the ANTITHESIS_* variables that point each process at its own files
// (official SDKs truncate the file they open, so no two processes share one).
#ifndef FAULTLINE_SRC_RUN_SDK_PLUMBING_H_
#define FAULTLINE_SRC_RUN_SDK_PLUMBING_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "env/compose.h"

namespace faultline::run {

class SdkFolder {
 public:
  // Where the folder appears inside every service.
  static constexpr const char* kMount = "/run/faultline";

  // Creates the folder at `host_dir` (services/, commands/, and bin/stop-faults, the program that
  // ANTITHESIS_STOP_FAULTS names). Seeds of processes derive from `timeline_seed`.
  SdkFolder(std::filesystem::path host_dir, uint64_t timeline_seed);

  // Mounts the folder into every service of `project` and gives each service's processes their
  // output paths, the stop-faults program and FAULTLINE_SEED.
  void add_to(env::Project& project) const;

  // Creates invocation `id`'s output folder; returns the variables of its process.
  std::map<std::string, std::string> prepare_invocation(int id) const;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path invocation_dir(int id) const;

 private:
  std::filesystem::path root_;
  uint64_t seed_;
};

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_SDK_PLUMBING_H_
