// The process's one output sink for SDK lines.
#ifndef FAULTLINE_SRC_SDK_OUTPUT_H_
#define FAULTLINE_SRC_SDK_OUTPUT_H_

#include <string>
#include <string_view>

namespace faultline::sdk {

// Where this process's lines go: ANTITHESIS_SDK_LOCAL_OUTPUT, else $ANTITHESIS_OUTPUT_DIR/sdk.jsonl,
// else nowhere. Opened in append mode on first use, with the SDK header line written first.
class Output {
 public:
  // The process-wide instance (never destroyed, so it outlives every exit handler).
  static Output& instance();

  bool enabled() const { return fd_ >= 0; }

  // Writes complete lines (each ending in '\n') with one write(2), so that processes sharing the
  // file never interleave inside a line.
  void write_lines(std::string_view lines) const;

  // Writes one JSON text as a line.
  void write_line(std::string json_text) const;

  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

 private:
  Output();
  int fd_ = -1;
};

}  // namespace faultline::sdk

#endif  // FAULTLINE_SRC_SDK_OUTPUT_H_
