// A tiny network peer for the environment tests: real traffic, measured where it happens.
//   tcp_probe serve PORT
//       TCP: answers every connection with "hello from <hostname> #<n>" (n counts connections since
//       it started), then reads what the peer sends until it closes, and answers "received <bytes>".
//       UDP: echoes every datagram; a datagram "say <text>" is also printed as "heard <text>".
//   tcp_probe connect HOST PORT TIMEOUT_MS        prints the answer; exit 1 when none comes in time
//   tcp_probe connect-time HOST PORT COUNT TIMEOUT_MS
//       connects COUNT times: "connected M of N, median X.X ms" (time to the handshake's end)
//   tcp_probe send HOST PORT BYTES TIMEOUT_MS     "sent B bytes in X ms" once the server has them all
//   tcp_probe udp HOST PORT COUNT TIMEOUT_MS
//       sends COUNT datagrams 1 ms apart and waits up to TIMEOUT_MS after the last for the echoes:
//       "received M of N, median X.X ms" (round trips of those that came back)
//   tcp_probe say HOST PORT TEXT COUNT            sends "say TEXT-1" to "say TEXT-COUNT" (UDP), 1 ms
//                                                 apart, and expects nothing
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The address of HOST:PORT for `type` (SOCK_STREAM or SOCK_DGRAM); exits 1 when it does not resolve.
addrinfo* resolve(const char* host, const char* port, int type, bool passive = false) {
  addrinfo hints{}, *info;
  hints.ai_family = AF_INET;
  hints.ai_socktype = type;
  if (passive) hints.ai_flags = AI_PASSIVE;
  if (const int rc = getaddrinfo(host, port, &hints, &info); rc != 0) {
    std::fprintf(stderr, "cannot resolve %s: %s\n", host ? host : "*", gai_strerror(rc));
    std::exit(1);
  }
  return info;
}

// A socket bound to PORT (of `type`); exits 1 when it cannot be.
int bound(const char* port, int type) {
  const int fd = socket(AF_INET, type, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addrinfo* info = resolve(nullptr, port, type, true);
  if (bind(fd, info->ai_addr, info->ai_addrlen) != 0 || (type == SOCK_STREAM && listen(fd, 64) != 0)) {
    std::perror("serve");
    std::exit(1);
  }
  freeaddrinfo(info);
  return fd;
}

void answer(int connection, unsigned number) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string hello = std::string("hello from ") + host + " #" + std::to_string(number) + "\n";
  if (write(connection, hello.data(), hello.size()) == static_cast<ssize_t>(hello.size())) {
    size_t total = 0;
    char buffer[65536];
    for (ssize_t n; (n = read(connection, buffer, sizeof buffer)) > 0;) total += static_cast<size_t>(n);
    const std::string received = "received " + std::to_string(total) + "\n";
    const ssize_t ignored = write(connection, received.data(), received.size());
    (void)ignored;
  }
  close(connection);
}

int serve(const char* port) {
  signal(SIGPIPE, SIG_IGN);  // peers that only want the hello close early
  const int tcp = bound(port, SOCK_STREAM);
  const int udp = bound(port, SOCK_DGRAM);
  std::printf("listening on %s\n", port);
  std::fflush(stdout);
  unsigned connections = 0;
  for (;;) {
    pollfd fds[2] = {{tcp, POLLIN, 0}, {udp, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      const int c = accept(tcp, nullptr, nullptr);
      if (c >= 0) std::thread(answer, c, ++connections).detach();
    }
    if (fds[1].revents & POLLIN) {
      char buffer[2048];
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const ssize_t n = recvfrom(udp, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &length);
      if (n <= 0) continue;
      sendto(udp, buffer, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer), length);
      const std::string datagram(buffer, static_cast<size_t>(n));
      if (datagram.rfind("say ", 0) == 0) {
        std::printf("heard %s\n", datagram.c_str() + 4);
        std::fflush(stdout);
      }
    }
  }
}

// A TCP connection to HOST:PORT within `timeout_ms`, or -1 (saying why on stderr).
int open_connection(const char* host, const char* port, int timeout_ms) {
  addrinfo* info = resolve(host, port, SOCK_STREAM);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int rc = connect(fd, info->ai_addr, info->ai_addrlen);
  freeaddrinfo(info);
  pollfd pfd{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if ((rc != 0 && errno != EINPROGRESS) || poll(&pfd, 1, timeout_ms) != 1 ||
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    std::fprintf(stderr, "cannot connect to %s:%s within %d ms\n", host, port, timeout_ms);
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, 0);  // blocking from here, with timeouts
  const timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads one line (without its newline) within the socket's timeout; empty when none came.
std::string read_line(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

int connect_to(const char* host, const char* port, int timeout_ms) {
  const int fd = open_connection(host, port, timeout_ms);
  if (fd < 0) return 1;
  const std::string hello = read_line(fd);
  close(fd);
  if (hello.empty()) {
    std::fprintf(stderr, "no answer from %s:%s within %d ms\n", host, port, timeout_ms);
    return 1;
  }
  std::printf("%s\n", hello.c_str());
  return 0;
}

int connect_time(const char* host, const char* port, int count, int timeout_ms) {
  std::vector<double> times;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    const int fd = open_connection(host, port, timeout_ms);
    if (fd < 0) continue;
    times.push_back(ms_since(start));
    close(fd);
  }
  std::printf("connected %zu of %d, median %.1f ms\n", times.size(), count, median(times));
  return 0;
}

int send_bytes(const char* host, const char* port, size_t bytes, int timeout_ms) {
  signal(SIGPIPE, SIG_IGN);
  const auto start = Clock::now();
  const int fd = open_connection(host, port, timeout_ms);
  if (fd < 0) return 1;
  const std::vector<char> chunk(65536, 'x');
  for (size_t sent = 0; sent < bytes;) {
    const ssize_t n = write(fd, chunk.data(), std::min(chunk.size(), bytes - sent));
    if (n <= 0) {
      std::fprintf(stderr, "sending stopped after %zu bytes: %s\n", sent, std::strerror(errno));
      return 1;
    }
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  read_line(fd);  // the hello
  const std::string received = read_line(fd);
  close(fd);
  if (received != "received " + std::to_string(bytes)) {
    std::fprintf(stderr, "the server confirmed \"%s\"\n", received.c_str());
    return 1;
  }
  std::printf("sent %zu bytes in %.0f ms\n", bytes, ms_since(start));
  return 0;
}

// A UDP socket connected to HOST:PORT.
int datagram_socket(const char* host, const char* port) {
  addrinfo* info = resolve(host, port, SOCK_DGRAM);
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (connect(fd, info->ai_addr, info->ai_addrlen) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  freeaddrinfo(info);
  return fd;
}

int udp_round_trips(const char* host, const char* port, int count, int timeout_ms) {
  const int fd = datagram_socket(host, port);
  std::vector<Clock::time_point> sent_at(static_cast<size_t>(count));
  std::vector<double> round_trips(static_cast<size_t>(count), -1);
  const auto take_echoes = [&](int wait_ms) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) != 1) return;
    char buffer[64];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer - 1, 0)) > 0;) {
      buffer[n] = '\0';
      const int seq = std::atoi(buffer);
      if (seq >= 0 && seq < count && round_trips[static_cast<size_t>(seq)] < 0) {
        round_trips[static_cast<size_t>(seq)] = ms_since(sent_at[static_cast<size_t>(seq)]);
      }
    }
  };
  const auto received = [&] {
    return std::count_if(round_trips.begin(), round_trips.end(), [](double t) { return t >= 0; });
  };
  for (int i = 0; i < count; ++i) {
    const std::string datagram = std::to_string(i);
    sent_at[static_cast<size_t>(i)] = Clock::now();
    send(fd, datagram.data(), datagram.size(), 0);
    take_echoes(1);
  }
  for (const auto last = Clock::now(); received() < count && ms_since(last) < timeout_ms;) take_echoes(10);
  std::vector<double> back;
  for (double t : round_trips) {
    if (t >= 0) back.push_back(t);
  }
  std::printf("received %zu of %d, median %.1f ms\n", back.size(), count, median(back));
  return 0;
}

int say(const char* host, const char* port, const char* text, int count) {
  const int fd = datagram_socket(host, port);
  for (int i = 1; i <= count; ++i) {
    const std::string datagram = std::string("say ") + text + "-" + std::to_string(i);
    if (send(fd, datagram.data(), datagram.size(), 0) != static_cast<ssize_t>(datagram.size())) return 1;
    usleep(1000);  // the receiver's socket buffer is no part of what is measured
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto is = [&](const char* command, int args) { return argc == args + 2 && std::strcmp(argv[1], command) == 0; };
  if (is("serve", 1)) return serve(argv[2]);
  if (is("connect", 3)) return connect_to(argv[2], argv[3], std::atoi(argv[4]));
  if (is("connect-time", 4)) return connect_time(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  if (is("send", 4)) return send_bytes(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10), std::atoi(argv[5]));
  if (is("udp", 4)) return udp_round_trips(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  if (is("say", 4)) return say(argv[2], argv[3], argv[4], std::atoi(argv[5]));
  std::fprintf(stderr,
               "usage: tcp_probe serve PORT | connect HOST PORT TIMEOUT_MS | connect-time HOST PORT COUNT TIMEOUT_MS |\n"
               "       send HOST PORT BYTES TIMEOUT_MS | udp HOST PORT COUNT TIMEOUT_MS | say HOST PORT TEXT COUNT\n");
  return 2;
}
