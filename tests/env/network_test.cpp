// Network conditions (Environment::set_network) on real traffic between real services: TCP
// connections, UDP datagrams and transfers, measured by tcp_probe inside the services.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

#include "env_support.h"
#include "sandbox_support.h"

namespace faultline::env {
namespace {

using Cut = NetworkConditions::Cut;

constexpr const char* kThreeServices = R"(
x-probe: &probe
  command: ["tcp_probe", "serve", "7000"]
  volumes: ["${TCP_PROBE}:/usr/local/bin/tcp_probe:ro"]
services:
  a: *probe
  b: *probe
  c: *probe
)";

// What `tcp_probe udp` or `connect-time` measured.
struct Probe {
  int received = -1;
  double median_ms = -1;
};

class NetworkTest : public LocalEnvironmentTest {
 protected:
  Environment& up_three() {
    Environment& env = make(kThreeServices);
    env.up(Duration(20000));
    for (const char* service : {"a", "b", "c"}) EXPECT_TRUE(observer_.wait_for_output(service, "listening"));
    return env;
  }
  Probe measure(const std::string& from, const std::vector<std::string>& argv) {
    const ExecResult result = run(from, argv, Duration(30000));
    Probe probe;
    if (std::sscanf(result.output.c_str(), "%*s %d of %*d, median %lf ms", &probe.received, &probe.median_ms) != 2) {
      ADD_FAILURE() << "tcp_probe said: " << result.output;
    }
    return probe;
  }
  // `count` datagrams from `from` to `to`, 1 ms apart; the echoes that came back.
  Probe udp(const std::string& from, const std::string& to, int count, int timeout_ms = 500) {
    return measure(from, {"tcp_probe", "udp", to, "7000", std::to_string(count), std::to_string(timeout_ms)});
  }
  Probe connects(const std::string& from, const std::string& to, int count) {
    return measure(from, {"tcp_probe", "connect-time", to, "7000", std::to_string(count), "1000"});
  }
  // Whether `count` datagrams from `from` all reach `to`, seen on the receiving side (one way:
  // the other way may be cut). Datagrams that do not arrive are awaited `wait` long.
  bool heard(const std::string& from, const std::string& to, Duration wait = Duration(5000), int count = 1) {
    const std::string text = from + "-to-" + to + "-" + std::to_string(++said_);
    EXPECT_EQ(run(from, {"tcp_probe", "say", to, "7000", text, std::to_string(count)}).status, 0);
    return observer_.wait_for_output(to, "heard " + text + "-", wait, count);
  }
  // Milliseconds that sending `bytes` from `from` to `to` took until the receiver had them all.
  double transfer_ms(const std::string& from, const std::string& to, size_t bytes) {
    const ExecResult result = run(from, {"tcp_probe", "send", to, "7000", std::to_string(bytes), "20000"}, Duration(30000));
    double ms = -1;
    if (std::sscanf(result.output.c_str(), "sent %*u bytes in %lf ms", &ms) != 1) ADD_FAILURE() << result.output;
    return ms;
  }
  // Every pair of services reaches the other over TCP and UDP.
  void expect_all_reachable() {
    for (const char* from : {"a", "b", "c"}) {
      for (const char* to : {"a", "b", "c"}) {
        if (std::string(from) == to) continue;
        EXPECT_TRUE(answers(from, to)) << from << " -> " << to;
        EXPECT_EQ(udp(from, to, 5).received, 5) << from << " -> " << to;
      }
    }
  }

  int said_ = 0;
};

TEST_F(NetworkTest, CutDropsOneDirectionOnly) {
  Environment& env = up_three();
  expect_all_reachable();
  env.set_network({.cuts = {Cut{{"a"}, {"b"}}}});

  // a's packets to b are lost, silently: no connection, no datagram, no error.
  EXPECT_FALSE(answers("a", "b", 500));
  EXPECT_EQ(udp("a", "b", 5, 300).received, 0);
  EXPECT_FALSE(heard("a", "b", Duration(500)));
  // b's packets still reach a; a TCP connection from b to a needs a's answers, which are lost.
  EXPECT_TRUE(heard("b", "a"));
  EXPECT_FALSE(answers("b", "a", 500));
  // Nothing else is touched.
  for (const auto& [from, to] : {std::pair{"a", "c"}, {"c", "a"}, {"b", "c"}, {"c", "b"}}) {
    EXPECT_TRUE(answers(from, to)) << from << " -> " << to;
    EXPECT_EQ(udp(from, to, 5).received, 5) << from << " -> " << to;
  }

  env.set_network({});
  expect_all_reachable();
}

TEST_F(NetworkTest, CutBothWaysIsolatesAServiceAndHealingBringsItBack) {
  Environment& env = up_three();
  env.set_network({.cuts = {Cut{{"a"}, {"b", "c"}}, Cut{{"b", "c"}, {"a"}}}});
  for (const auto& [from, to] : {std::pair{"a", "b"}, {"b", "a"}, {"a", "c"}, {"c", "a"}}) {
    EXPECT_FALSE(answers(from, to, 500)) << from << " -> " << to;
    EXPECT_EQ(udp(from, to, 5, 300).received, 0) << from << " -> " << to;
    EXPECT_FALSE(heard(from, to, Duration(300))) << from << " -> " << to;
  }
  EXPECT_TRUE(answers("b", "c"));
  EXPECT_TRUE(answers("c", "b"));

  // Conditions replace each other: now only b and c are apart.
  env.set_network({.cuts = {Cut{{"b"}, {"c"}}, Cut{{"c"}, {"b"}}}});
  EXPECT_TRUE(answers("a", "b"));
  EXPECT_TRUE(answers("c", "a"));
  EXPECT_FALSE(answers("b", "c", 500));

  env.set_network({});
  expect_all_reachable();
}

TEST_F(NetworkTest, LossDropsAboutItsShare) {
  Environment& env = up_three();
  env.set_network({.losses = {{"a", "b", 30}}});
  // 400 datagrams at 30 %: 120 lost on average, with a standard deviation of 9; 60-180 is more
  // than six of them either side.
  constexpr int kCount = 400;
  const int received = udp("a", "b", kCount, 1000).received;
  EXPECT_GE(received, kCount - kCount * 45 / 100);
  EXPECT_LE(received, kCount - kCount * 15 / 100);
  std::printf("30 %% loss: %d of %d datagrams lost\n", kCount - received, kCount);
  // The other direction (seen where it arrives: b's echoes would be lost) and the other pairs
  // lose nothing.
  EXPECT_TRUE(heard("b", "a", Duration(5000), 100));
  EXPECT_EQ(udp("a", "c", 100).received, 100);
  EXPECT_EQ(udp("c", "b", 100).received, 100);

  env.set_network({});
  EXPECT_EQ(udp("a", "b", 100).received, 100);
}

TEST_F(NetworkTest, DelayRaisesTheSendersRoundTripsOnly) {
  Environment& env = up_three();
  const Probe udp_before = udp("a", "b", 20);
  const Probe tcp_before = connects("a", "b", 10);
  env.set_network({.delays = {{"a", Duration(100), Duration(20)}}});

  // a's datagrams and SYNs wait 80-120 ms; b's answers do not.
  const Probe udp_after = udp("a", "b", 20, 1000);
  const Probe tcp_after = connects("a", "b", 10);
  EXPECT_EQ(udp_after.received, 20);
  EXPECT_EQ(tcp_after.received, 10);
  for (const auto& [before, after, what] : {std::tuple{udp_before, udp_after, "UDP"}, {tcp_before, tcp_after, "TCP"}}) {
    EXPECT_GE(after.median_ms - before.median_ms, 80) << what;
    EXPECT_LE(after.median_ms - before.median_ms, 140) << what;
    std::printf("%s round trip a -> b: %.1f ms, delayed %.1f ms\n", what, before.median_ms, after.median_ms);
  }
  EXPECT_LT(udp("b", "c", 20).median_ms, 20);
  EXPECT_LT(connects("b", "c", 10).median_ms, 20);

  // A service started again gets the conditions in force.
  env.kill("a");
  env.start("a");
  ASSERT_TRUE(observer_.wait_for_output("a", "listening", Duration(10000), 2));
  EXPECT_GE(udp("a", "b", 10, 1000).median_ms, 80);

  env.set_network({});
  EXPECT_LT(udp("a", "b", 20).median_ms, 20);
}

TEST_F(NetworkTest, BandwidthLimitsTheSenderOnly) {
  Environment& env = up_three();
  constexpr size_t kBytes = 500 * 1000;
  env.set_network({.bandwidths = {{"a", 1000 * 1000}}});
  // 4 million bits at one million per second: about 4 s.
  const double limited = transfer_ms("a", "b", kBytes);
  EXPECT_GE(limited, 3000);
  EXPECT_LE(limited, 15000);
  const double others = std::max(transfer_ms("c", "b", kBytes), transfer_ms("b", "c", kBytes));
  EXPECT_LT(others, 1500);
  std::printf("500 KB at 1 Mbit/s: %.0f ms; between other services: %.0f ms\n", limited, others);

  env.set_network({});
  EXPECT_LT(transfer_ms("a", "b", kBytes), 1500);
}

TEST_F(NetworkTest, BadConditionsAreRefusedWithTheReason) {
  Environment& env = up_three();
  const auto refusal = [&](const NetworkConditions& conditions) {
    try {
      env.set_network(conditions);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refusal({.cuts = {Cut{{"a"}, {"nobody"}}}}).find("cut: no service named \"nobody\""), std::string::npos);
  EXPECT_NE(refusal({.losses = {{"a", "b", 150}}}).find("0-100"), std::string::npos);
  EXPECT_NE(refusal({.losses = {{"a", "b", 10}, {"a", "b", 20}}}).find("two losses from a to b"), std::string::npos);
  EXPECT_NE(refusal({.delays = {{"a", Duration(10), Duration(30)}}}).find("jitter (30 ms) above the mean (10 ms)"),
            std::string::npos);
  EXPECT_NE(refusal({.bandwidths = {{"b", 0}}}).find("bandwidth of b"), std::string::npos);
  EXPECT_NE(refusal({.bandwidths = {{"b", uint64_t{1} << 40}}}).find("above what tbf takes"), std::string::npos);
  expect_all_reachable();
}

// Conditions that cannot be put in force are refused whole, and those before stay in force.
TEST_F(NetworkTest, ConditionsThatCannotBeAppliedLeaveThoseBefore) {
  // The delay's queue rule is made with iptables-nft: here one that does not exist.
  setenv("FAULTLINE_IPTABLES", "/nonexistent/iptables-nft", 1);
  Environment& env = up_three();
  unsetenv("FAULTLINE_IPTABLES");
  env.set_network({.cuts = {Cut{{"a"}, {"b"}}}});
  try {
    env.set_network({.cuts = {Cut{{"a"}, {"c"}}}, .delays = {{"b", Duration(100), Duration(0)}}});
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("delay of b: cannot run /nonexistent/iptables-nft"), std::string::npos) << message;
    EXPECT_NE(message.find("Debian's package iptables"), std::string::npos) << message;
  }
  EXPECT_FALSE(answers("a", "b", 500)) << "the cut before is still in force";
  EXPECT_TRUE(answers("a", "c")) << "the new cut is not";
  EXPECT_LT(udp("b", "c", 10).median_ms, 20) << "nor the delay";
}

// The queue readers of delays end with the sandbox, like everything else in it.
TEST_F(NetworkTest, NothingIsLeftAfterDown) {
  Environment& env = up_three();
  env.set_network({.cuts = {Cut{{"a"}, {"b"}}}, .delays = {{"a", Duration(50), Duration(10)}, {"c", Duration(5), Duration(0)}},
                   .bandwidths = {{"b", 10 * 1000 * 1000}}});
  const pid_t agent = local::local_sandbox_pid(env.backend());
  const std::string user_ns = testing::namespace_of(agent, "user");
  int readers = 0;
  for (pid_t pid : testing::processes_in("user", user_ns)) {
    const std::string cmdline = testing::read_text("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline == std::string("faultline-sandbox\0delay\0", 24)) ++readers;
  }
  EXPECT_EQ(readers, 2) << "one queue reader per delayed service";
  env.down(Duration(0));
  EXPECT_TRUE(testing::await_no_process_in(user_ns)) << "a process of the sandbox survived";
}

}  // namespace
}  // namespace faultline::env
