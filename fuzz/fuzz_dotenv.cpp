// .env files and the interpolation of what they set: any text is read, or fails with a ConfigError
// naming file and line.
#include "env/compose.h"
#include "env/config_error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  static const auto compose = [] {
    const std::string text =
        "services:\n  box:\n    image: \"${IMAGE:-busybox}\"\n    command: [\"${A}\", \"${B:?needs B}\", \"$${C}\"]\n"
        "    environment:\n      X: \"${X-}${Y:+y}\"\n";
    return fuzz::write_scratch("compose.yaml", reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }();
  fuzz::write_scratch(".env", data, size);
  try {
    (void)env::load_project({compose}, {});
  } catch (const env::ConfigError&) {
  }
  return 0;
}
