#include "program_file.h"

#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace faultline::env::local {
namespace {

// The kernel reads no more of a "#!" line than this (BINPRM_BUF_SIZE).
constexpr size_t kShebangLength = 256;
// Bounds on what a header may make this read: a damaged file gives no verdict rather than a huge
// allocation. Real programs have tens of sections and a few KiB of section names.
constexpr size_t kMaxHeaders = 65535;
constexpr size_t kMaxSectionNames = 1 << 20;

// This machine's word size, the only one its libraries (libfaketime among them) can be loaded into.
constexpr unsigned char kNativeClass = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;

// A file read at offsets, never past its end.
class File {
 public:
  explicit File(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st;
    if (fd_ < 0 || fstat(fd_, &st) != 0) {
      const int err = errno;
      if (fd_ >= 0) close(fd_);
      throw std::runtime_error("cannot read " + path + ": " + std::strerror(err));
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~File() { close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Whether the file holds `size` bytes at `offset`, which are then in `out`.
  bool read(uint64_t offset, void* out, uint64_t size) const {
    if (offset > size_ || size > size_ - offset) return false;
    return pread(fd_, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
  }

  // Up to `size` bytes from the start.
  std::string head(size_t size) const {
    std::string text(size, '\0');
    const ssize_t n = pread(fd_, text.data(), size, 0);
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return text;
  }

 private:
  int fd_;
  uint64_t size_ = 0;
};

// An array of `count` headers of `entry_size` bytes at `offset`, or empty when they do not fit the
// file or are not of this machine's layout.
template <typename Header>
std::vector<Header> read_headers(const File& file, uint64_t offset, uint64_t count, uint64_t entry_size) {
  std::vector<Header> headers;
  if (entry_size != sizeof(Header) || count > kMaxHeaders) return headers;
  headers.resize(count);
  if (!file.read(offset, headers.data(), count * sizeof(Header))) headers.clear();
  return headers;
}

// Go's linker marks every program it writes with these sections; the runtime reads the clock
// through the vDSO itself, past libc, even in a program linked with libc for cgo.
bool has_go_section(const File& file, const ElfW(Ehdr)& elf) {
  const auto sections = read_headers<ElfW(Shdr)>(file, elf.e_shoff, elf.e_shnum, elf.e_shentsize);
  if (elf.e_shstrndx >= sections.size()) return false;  // also SHN_XINDEX: > 65279 sections, not Go's
  const ElfW(Shdr)& names = sections[elf.e_shstrndx];
  if (names.sh_size > kMaxSectionNames) return false;
  std::string text(names.sh_size, '\0');
  if (!file.read(names.sh_offset, text.data(), text.size())) return false;
  for (const ElfW(Shdr)& section : sections) {
    if (section.sh_name >= text.size()) continue;
    const char* name = text.c_str() + section.sh_name;  // c_str() ends in a NUL even if the table does not
    if (std::strcmp(name, ".note.go.buildid") == 0 || std::strcmp(name, ".go.buildinfo") == 0) return true;
  }
  return false;
}


// The kernel's reading of a "#!" line: the program, then the rest of the line as one argument.
std::vector<std::string> shebang(const std::string& head) {
  std::string line = head.substr(2);
  line.resize(std::min(line.find('\n'), line.size()));
  const char* blanks = " \t";
  std::vector<std::string> words;
  const size_t program = line.find_first_not_of(blanks);
  if (program == std::string::npos) return words;
  const size_t program_end = std::min(line.find_first_of(blanks, program), line.size());
  words.push_back(line.substr(program, program_end - program));
  const size_t argument = line.find_first_not_of(blanks, program_end);
  if (argument != std::string::npos) words.push_back(line.substr(argument, line.find_last_not_of(blanks) + 1 - argument));
  return words;
}

}  // namespace

ProgramFile read_program_file(const std::string& path) {
  const File file(path);
  const std::string head = file.head(kShebangLength);
  ProgramFile program;
  if (head.rfind("#!", 0) == 0) {
    program.kind = ProgramFile::Kind::script;
    program.interpreter = shebang(head);
    return program;
  }
  if (head.size() < EI_NIDENT || head.compare(0, SELFMAG, ELFMAG) != 0) return program;
  if (static_cast<unsigned char>(head[EI_CLASS]) != kNativeClass) {
    program.kind = ProgramFile::Kind::other_class;
    return program;
  }
  ElfW(Ehdr) elf;
  if (!file.read(0, &elf, sizeof elf)) return program;
  // A program has segments; a file whose segments cannot be read is not judged.
  const auto segments = read_headers<ElfW(Phdr)>(file, elf.e_phoff, elf.e_phnum, elf.e_phentsize);
  if (segments.empty()) return program;
  if (has_go_section(file, elf)) {
    program.kind = ProgramFile::Kind::go;
  } else {
    const bool loaded = std::any_of(segments.begin(), segments.end(), [](const ElfW(Phdr)& s) { return s.p_type == PT_INTERP; });
    program.kind = loaded ? ProgramFile::Kind::dynamic : ProgramFile::Kind::static_program;
  }
  return program;
}

}  // namespace faultline::env::local
