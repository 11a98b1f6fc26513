// Compose files as a user may get them wrong: any text loads as a project or fails with a
// ConfigError naming file and line, never another exception, a crash or a hang.
#include "env/compose.h"
#include "env/config_error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = faultline::fuzz::write_scratch("compose.yaml", data, size);
  try {
    (void)faultline::env::load_project({path}, {{"HOME", "/home/fuzz"}});
  } catch (const faultline::env::ConfigError&) {
  }
  return 0;
}
