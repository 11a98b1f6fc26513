#include "delay_queue.h"

#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "protocol.h"

namespace faultline::env::local {
namespace {

using Clock = std::chrono::steady_clock;

// Enough for 100 ms of a fast link's packets; beyond it the kernel drops, as a full link would.
constexpr uint32_t kMaxHeld = 16384;
constexpr int kReceiveBuffer = 8 << 20;

struct Held {
  Clock::time_point due;
  uint32_t id;
  uint32_t mark;
  bool operator>(const Held& other) const { return due > other.due; }
};

class DelayQueue {
 public:
  // Binds the queue; throws std::runtime_error with the reason.
  DelayQueue() : random_(std::random_device{}()) {
    handle_ = nfq_open();
    if (handle_ == nullptr) throw std::runtime_error(std::string("cannot open a netfilter queue: ") + std::strerror(errno));
    queue_ = nfq_create_queue(handle_, kDelayQueueNumber, &DelayQueue::on_packet, this);
    if (queue_ == nullptr) {
      const int err = errno;
      nfq_close(handle_);
      throw std::runtime_error(std::string("cannot bind netfilter queue ") + std::to_string(kDelayQueueNumber) + ": " +
                               std::strerror(err));
    }
    // The packets' contents stay in the kernel: only their ids and marks come here.
    if (nfq_set_mode(queue_, NFQNL_COPY_META, 0) < 0) throw std::runtime_error("cannot set the queue's copy mode");
    nfq_set_queue_maxlen(queue_, kMaxHeld);
    // A large send (GSO) waits as one packet rather than being cut up to be queued.
    nfq_set_queue_flags(queue_, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
    nfnl_rcvbufsiz(nfq_nfnlh(handle_), kReceiveBuffer);
    const int one = 1;
    setsockopt(nfq_fd(handle_), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  }

  ~DelayQueue() {
    release(Clock::time_point::max());
    nfq_destroy_queue(queue_);
    nfq_close(handle_);
  }

  int fd() const { return nfq_fd(handle_); }

  void set_delay(int64_t mean_ms, int64_t jitter_ms) {
    mean_ = std::chrono::microseconds(mean_ms * 1000);
    jitter_ = std::chrono::microseconds(jitter_ms * 1000);
  }

  // Takes what the kernel queued.
  void receive() {
    alignas(nlmsghdr) char buffer[65536];
    for (;;) {
      const ssize_t n = recv(fd(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) return;
      nfq_handle_packet(handle_, buffer, static_cast<int>(n));
    }
  }

  // Lets go every packet due by `now`.
  void release(Clock::time_point now) {
    while (!held_.empty() && held_.top().due <= now) {
      const Held packet = held_.top();
      held_.pop();
      nfq_set_verdict2(queue_, packet.id, NF_ACCEPT, packet.mark & ~kDelayMark, 0, nullptr);
    }
  }

  // When the next packet is due; max() when none is held.
  Clock::time_point next_due() const { return held_.empty() ? Clock::time_point::max() : held_.top().due; }

 private:
  static int on_packet(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* self) {
    auto* queue = static_cast<DelayQueue*>(self);
    const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
    if (header == nullptr) return 0;
    std::uniform_int_distribution<int64_t> spread(-queue->jitter_.count(), queue->jitter_.count());
    const auto wait = queue->mean_ + std::chrono::microseconds(spread(queue->random_));
    queue->held_.push({Clock::now() + wait, ntohl(header->packet_id), nfq_get_nfmark(data)});
    return 0;
  }

  nfq_handle* handle_ = nullptr;
  nfq_q_handle* queue_ = nullptr;
  std::chrono::microseconds mean_{0}, jitter_{0};
  std::mt19937_64 random_;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held_;
};

}  // namespace

int run_delay_queue() {
  signal(SIGPIPE, SIG_IGN);
  std::optional<DelayQueue> queue;
  try {
    queue.emplace();
  } catch (const std::exception& e) {
    send_message(kDelayControlFd, {{"error", e.what()}});
    return 1;
  }
  if (!send_message(kDelayControlFd, {{"ready", true}})) return 1;
  for (;;) {
    const Clock::time_point due = queue->next_due();
    timespec wait{};
    timespec* timeout = nullptr;
    if (due != Clock::time_point::max()) {
      const auto left = std::max(due - Clock::now(), Clock::duration::zero());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      wait = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      timeout = &wait;
    }
    pollfd fds[2] = {{queue->fd(), POLLIN, 0}, {kDelayControlFd, POLLIN, 0}};
    if (ppoll(fds, 2, timeout, nullptr) < 0 && errno != EINTR) return 1;
    if (fds[0].revents & POLLIN) queue->receive();
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      nlohmann::json message;
      std::vector<int> fds_received;
      if (!receive_message(kDelayControlFd, &message, &fds_received)) return 0;  // ~DelayQueue lets all go
      for (int fd : fds_received) close(fd);
      queue->set_delay(message.value("mean_ms", int64_t{0}), message.value("jitter_ms", int64_t{0}));
      send_message(kDelayControlFd, {{"ok", true}});
    }
    queue->release(Clock::now());
  }
}

}  // namespace faultline::env::local
