// A three-node etcd cluster (Debian's etcd-server, configured only by ETCD_* variables as in the
// Antithesis tutorial) comes up healthy, and etcdctl from a fourth service writes and reads.
#include <gtest/gtest.h>

#include <chrono>

#include "env_support.h"

namespace faultline::env {
namespace {

TEST_F(LocalEnvironmentTest, EtcdClusterComesUpHealthyAndServesAFourthService) {
  std::ifstream in(std::string(TEST_DATA_DIR) + "/etcd-cluster.yaml");
  std::stringstream text;
  text << in.rdbuf();
  Environment& env = make(text.str());
  const auto t0 = std::chrono::steady_clock::now();
  env.up(Duration(60000));
  const auto healthy = std::chrono::steady_clock::now() - t0;
  for (const char* node : {"etcd0", "etcd1", "etcd2"}) EXPECT_EQ(env.status(node).state, ServiceState::healthy);
  std::printf("three etcd nodes healthy %.0f ms after up\n", std::chrono::duration<double, std::milli>(healthy).count());

  const ExecResult put = run("client", {"etcdctl", "--endpoints=http://etcd0:2379", "put", "greeting", "hello"});
  EXPECT_EQ(put.status, 0) << put.output;
  EXPECT_EQ(put.output, "OK\n");
  const ExecResult get = run("client", {"etcdctl", "--endpoints=http://etcd2:2379", "get", "greeting", "--print-value-only"});
  EXPECT_EQ(get.status, 0) << get.output;
  EXPECT_EQ(get.output, "hello\n");
  const ExecResult members = run("client", {"etcdctl", "--endpoints=http://etcd1:2379", "member", "list"});
  EXPECT_EQ(std::count(members.output.begin(), members.output.end(), '\n'), 3) << members.output;
}

}  // namespace
}  // namespace faultline::env
