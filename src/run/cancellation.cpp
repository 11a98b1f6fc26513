#include "cancellation.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace faultline::run {

Cancellation::Cancellation() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::runtime_error("eventfd failed");
}

Cancellation::~Cancellation() { close(fd_); }

void Cancellation::cancel() {
  if (cancelled_.exchange(true)) return;
  const uint64_t one = 1;
  const ssize_t ignored = write(fd_, &one, sizeof one);
  (void)ignored;
}

}  // namespace faultline::run
