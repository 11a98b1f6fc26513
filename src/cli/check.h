// `faultline check`: linearizability of recorded histories.
#ifndef FAULTLINE_SRC_CLI_CHECK_H_
#define FAULTLINE_SRC_CLI_CHECK_H_

#include <string>
#include <vector>

namespace faultline::cli {

struct CheckCommandOptions {
  std::string model;
  std::string format = "auto";
  bool partition = true;
  std::string timeout = "60s";
  std::string html;  // a file to draw the first failing history into
  bool json = false;
  std::vector<std::string> files;
};

// One verdict line per file; exit 0 all linearizable, 1 one is not, 3 one undecided in time
// (none illegal), 2 usage or parse errors.
int check_command(const CheckCommandOptions& options);

}  // namespace faultline::cli

#endif  // FAULTLINE_SRC_CLI_CHECK_H_
