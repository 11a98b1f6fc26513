// The parts of clock control that need no sandbox: the clock file as the agent writes it, and the
// reading of program files that tells whether libfaketime reaches a program.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "env/local/clock_file.h"
#include "env/local/program_file.h"
#include "sandbox_support.h"
#include "subprocess.h"

namespace faultline::env::local {
namespace {

using faultline::testing::read_text;
using faultline::testing::TempDir;
using Kind = ProgramFile::Kind;

TEST(ClockFile, OffsetsInLibfaketimesRelativeFormat) {
  EXPECT_EQ(faketime_offset(3600 * 1000), "+3600");
  EXPECT_EQ(faketime_offset(-120 * 1000), "-120");
  EXPECT_EQ(faketime_offset(1500), "+1.500");
  EXPECT_EQ(faketime_offset(-1500), "-1.500") << "atof reads the sign for the whole number";
  EXPECT_EQ(faketime_offset(-1), "-0.001");
  EXPECT_EQ(faketime_offset(INT64_MIN), "-9223372036854775.808");
  EXPECT_EQ(faketime_offset(0), "") << "no offset, as in the file a service starts with";
}

TEST(ClockFile, MadeEmptyOnceThenReplacedWhole) {
  TempDir dir;
  const std::string file = (dir.path() / "run" / "clock").string();
  ensure_clock_file(file);
  EXPECT_EQ(read_text(file), "");
  write_clock_file(file, 30 * 1000);
  EXPECT_EQ(read_text(file), "+30\n");
  ensure_clock_file(file);
  EXPECT_EQ(read_text(file), "+30\n") << "a restart keeps the offset";
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "every user of the service reads it";
  write_clock_file(file, 0);
  EXPECT_EQ(read_text(file), "");
  EXPECT_FALSE(std::filesystem::exists(file + ".new")) << "the temporary file was renamed";
  EXPECT_THROW(write_clock_file((dir.path() / "nowhere" / "clock").string(), 1000), std::runtime_error);
}

class ClockProgramFile : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  TempDir dir_;
};

TEST_F(ClockProgramFile, ElfProgramsByKind) {
  EXPECT_EQ(read_program_file("/bin/sh").kind, Kind::dynamic);
  EXPECT_EQ(read_program_file(CLOCK_PROBE).kind, Kind::dynamic);
  if (std::filesystem::exists("/usr/bin/etcd")) {
    EXPECT_EQ(read_program_file("/usr/bin/etcd").kind, Kind::go) << "Debian's etcd: Go, linked with libc for cgo";
  }
  if (*CLOCK_PROBE_STATIC) {
    EXPECT_EQ(read_program_file(CLOCK_PROBE_STATIC).kind, Kind::static_program);
  }
}

TEST_F(ClockProgramFile, ScriptsNameTheirInterpreter) {
  EXPECT_EQ(read_program_file(write("a", "#!/bin/sh\necho\n")).interpreter, (std::vector<std::string>{"/bin/sh"}));
  const ProgramFile env = read_program_file(write("b", "#! /usr/bin/env  -S python3 -u \t\nprint()\n"));
  EXPECT_EQ(env.kind, Kind::script);
  EXPECT_EQ(env.interpreter, (std::vector<std::string>{"/usr/bin/env", "-S python3 -u"})) << "one argument, as the kernel passes it";
  EXPECT_TRUE(read_program_file(write("c", "#!\n")).interpreter.empty());
  EXPECT_EQ(read_program_file(write("d", "#!/bin/sh")).interpreter, (std::vector<std::string>{"/bin/sh"})) << "no newline";
}

TEST_F(ClockProgramFile, OtherFilesAndDamagedOnesGiveNoFalseVerdict) {
  EXPECT_EQ(read_program_file(write("text", "hello\n")).kind, Kind::unknown);
  EXPECT_EQ(read_program_file(write("empty", "")).kind, Kind::unknown);
  EXPECT_EQ(read_program_file(write("short", "\x7f" "ELF\x02\x01")).kind, Kind::unknown) << "a header cut short";
  std::string elf32(64, '\0');
  elf32.replace(0, 5, "\x7f" "ELF\x01");
  EXPECT_EQ(read_program_file(write("elf32", elf32)).kind, Kind::other_class);
  // A 64-bit header whose tables lie past the end of the file: read as far as it goes, no further.
  std::string header = read_text("/bin/sh").substr(0, 64);
  header[0x28] = header[0x29] = header[0x2a] = '\x7f';  // e_shoff far away
  header[0x20] = '\x7f';                                // e_phoff too
  EXPECT_EQ(read_program_file(write("damaged", header)).kind, Kind::unknown) << "neither static nor dynamic";
  EXPECT_THROW(read_program_file((dir_.path() / "missing").string()), std::runtime_error);
}

}  // namespace
}  // namespace faultline::env::local
