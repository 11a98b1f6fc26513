// What kind of program a file holds, read from its first line or its ELF headers: as much as it
// takes to tell whether a library preloaded into it (LD_PRELOAD, as libfaketime is) takes over its
// clock.
#ifndef FAULTLINE_SRC_ENV_LOCAL_PROGRAM_FILE_H_
#define FAULTLINE_SRC_ENV_LOCAL_PROGRAM_FILE_H_

#include <string>
#include <vector>

namespace faultline::env::local {

struct ProgramFile {
  enum class Kind {
    dynamic,         // an ELF program that the dynamic loader starts: LD_PRELOAD applies
    static_program,  // an ELF program without an interpreter (PT_INTERP): no loader, no preload
    go,              // a Go program (.note.go.buildid, .go.buildinfo): reads the clock through the vDSO itself
    other_class,     // an ELF program of the other word size than this machine's libraries
    script,          // "#!": `interpreter` runs it
    unknown,         // neither ELF nor "#!"
  };
  Kind kind = Kind::unknown;
  // For a script: the #! line's program and, if there is one, its one argument (the rest of the
  // line, as the kernel passes it).
  std::vector<std::string> interpreter;
};

// Reads the program file at `path`. Throws std::runtime_error naming the file and the reason when
// it cannot be read.
ProgramFile read_program_file(const std::string& path);

}  // namespace faultline::env::local

#endif  // FAULTLINE_SRC_ENV_LOCAL_PROGRAM_FILE_H_
