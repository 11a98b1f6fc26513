#include "sdk_plumbing.h"

#include <fstream>

#include "run/seeds.h"

namespace faultline::run {
namespace {

namespace fs = std::filesystem;

// `"$ANTITHESIS_STOP_FAULTS" SECONDS`: a request line in the caller's own output folder, so that
// faultline knows who asked (the folder's root when the caller has none).
std::string stop_faults_program() {
  return std::string("#!/bin/sh\n# faultline: stop all faults for $1 seconds.\n") +
         "case \"$1\" in ''|*[!0-9]*) echo \"usage: $0 SECONDS\" >&2; exit 2;; esac\n" +
         "printf '{\"faultline_stop_faults\":{\"seconds\":%s}}\\n' \"$1\" >> \"${ANTITHESIS_OUTPUT_DIR:-" + SdkFolder::kMount +
         "}/requests.jsonl\"\n";
}

// A folder that whatever user a service runs as can write into (a container's user is often not
// the runner's: bitnami's images run as 1001), as /tmp is.
void create_shared_folder(const fs::path& folder) {
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::all | fs::perms::sticky_bit);
}

}  // namespace

SdkFolder::SdkFolder(fs::path host_dir, uint64_t timeline_seed) : root_(std::move(host_dir)), seed_(timeline_seed) {
  for (const char* sub : {"services", "commands", "bin"}) fs::create_directories(root_ / sub);
  const fs::path program = root_ / "bin" / "stop-faults";
  std::ofstream(program) << stop_faults_program();
  fs::permissions(program, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
}

void SdkFolder::add_to(env::Project& project) const {
  uint64_t place = 0;
  for (auto& [name, spec] : project.services) {
    create_shared_folder(root_ / "services" / name);
    const std::string inside = std::string(kMount) + "/services/" + name;
    spec.mounts.push_back({env::Mount::Kind::bind, root_.string(), kMount, false});
    spec.environment["ANTITHESIS_SDK_LOCAL_OUTPUT"] = inside + "/local.jsonl";
    spec.environment["ANTITHESIS_OUTPUT_DIR"] = inside;
    spec.environment["ANTITHESIS_STOP_FAULTS"] = std::string(kMount) + "/bin/stop-faults";
    spec.environment["FAULTLINE_SEED"] = std::to_string(derive_seed(seed_, SeedStream::service, place++));
  }
}

fs::path SdkFolder::invocation_dir(int id) const { return root_ / "commands" / std::to_string(id); }

std::map<std::string, std::string> SdkFolder::prepare_invocation(int id) const {
  create_shared_folder(invocation_dir(id));
  const std::string inside = std::string(kMount) + "/commands/" + std::to_string(id);
  return {{"ANTITHESIS_SDK_LOCAL_OUTPUT", inside + "/local.jsonl"},
          {"ANTITHESIS_OUTPUT_DIR", inside},
          {"ANTITHESIS_STOP_FAULTS", std::string(kMount) + "/bin/stop-faults"},
          {"FAULTLINE_SEED", std::to_string(derive_seed(seed_, SeedStream::invocation, static_cast<uint64_t>(id)))}};
}

}  // namespace faultline::run
