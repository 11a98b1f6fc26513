// Histories in every format faultline reads (EDN, jepsen.util logs, faultline JSON lines): a
// history that cannot be read is a ParseError naming its line, never another exception or a crash.
// Every input is read in each format, automatic detection included, so that raw histories seed it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "check/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using faultline::check::Format;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const Format format : {Format::automatic, Format::jepsen_log, Format::edn, Format::faultline}) {
    try {
      (void)faultline::check::parse_history(text, format, "fuzz");
    } catch (const faultline::check::ParseError&) {
    }
  }
  return 0;
}
