// A tiny TCP peer for the environment tests.
//   tcp_probe serve PORT                 answers every connection with "hello from <hostname>"
//   tcp_probe connect HOST PORT TIMEOUT_MS   prints the answer; exit 1 when it cannot connect in time
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int serve(const char* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addrinfo hints{}, *info;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(nullptr, port, &hints, &info) != 0 || bind(fd, info->ai_addr, info->ai_addrlen) != 0 ||
      listen(fd, 16) != 0) {
    std::perror("serve");
    return 1;
  }
  freeaddrinfo(info);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string answer = std::string("hello from ") + host + "\n";
  std::printf("listening on %s\n", port);
  std::fflush(stdout);
  for (;;) {
    const int c = accept(fd, nullptr, nullptr);
    if (c < 0) continue;
    const ssize_t ignored = write(c, answer.data(), answer.size());
    (void)ignored;
    close(c);
  }
}

int connect_to(const char* host, const char* port, int timeout_ms) {
  addrinfo hints{}, *info;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (const int rc = getaddrinfo(host, port, &hints, &info); rc != 0) {
    std::fprintf(stderr, "cannot resolve %s: %s\n", host, gai_strerror(rc));
    return 1;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int rc = connect(fd, info->ai_addr, info->ai_addrlen);
  freeaddrinfo(info);
  if (rc != 0 && errno != EINPROGRESS) {
    std::perror("connect");
    return 1;
  }
  pollfd pfd{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&pfd, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    std::fprintf(stderr, "cannot connect to %s:%s within %d ms\n", host, port, timeout_ms);
    return 1;
  }
  pfd.events = POLLIN;
  char buffer[256] = {};
  if (poll(&pfd, 1, timeout_ms) != 1 || read(fd, buffer, sizeof buffer - 1) <= 0) {
    std::fprintf(stderr, "no answer from %s:%s\n", host, port);
    return 1;
  }
  std::fputs(buffer, stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if (argc == 5 && std::strcmp(argv[1], "connect") == 0) return connect_to(argv[2], argv[3], std::atoi(argv[4]));
  std::fprintf(stderr, "usage: tcp_probe serve PORT | tcp_probe connect HOST PORT TIMEOUT_MS\n");
  return 2;
}
