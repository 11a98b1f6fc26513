// faultline check: verdict lines, exit statuses, JSON and the HTML drawing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"

namespace faultline::testing {
namespace {

const std::string kEtcd = std::string(SHARED_HISTORIES) + "/porcupine-jepsen-etcd/";

int check(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv{FAULTLINE_BIN, "check"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, out, /*merge_stderr=*/true);
}

TEST(CheckCommand, ExitStatusesAndVerdictLines) {
  std::string out;
  EXPECT_EQ(check({"--model", "cas-register", kEtcd + "etcd_002.log", kEtcd + "etcd_095.log"}, &out), 0) << out;
  EXPECT_NE(out.find("etcd_002.log: linearizable"), std::string::npos) << out;
  EXPECT_NE(out.find("etcd_095.log: empty history"), std::string::npos) << out;

  EXPECT_EQ(check({"--model", "cas-register", kEtcd + "etcd_002.log", kEtcd + "etcd_000.log"}, &out), 1) << out;
  EXPECT_NE(out.find("etcd_000.log: not linearizable"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot be ordered"), std::string::npos) << out;
  EXPECT_NE(out.find("longest partial linearization"), std::string::npos) << out;

  EXPECT_EQ(check({"--model", "kv", "--no-partition", "--timeout", "100ms",
                   std::string(SHARED_HISTORIES) + "/porcupine-kv/c50-ok.txt"}, &out), 3) << out;
  EXPECT_NE(out.find("unknown (not decided within"), std::string::npos) << out;

  EXPECT_EQ(check({"--model", "queue-of-wishes", kEtcd + "etcd_000.log"}, &out), 2);
  EXPECT_NE(out.find("unknown model"), std::string::npos) << out;

  TempDir dir;
  std::ofstream(dir.path() / "bad.edn") << "{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok :f :read :value [1 2}\n";
  EXPECT_EQ(check({"--model", "register", (dir.path() / "bad.edn").string()}, &out), 2);
  EXPECT_NE(out.find("bad.edn:2:"), std::string::npos) << out;
}

TEST(CheckCommand, JsonAndHtml) {
  TempDir dir;
  std::string out;
  const auto html = dir.path() / "history.html";
  EXPECT_EQ(check({"--model", "cas-register", "--json", "--html", html.string(), kEtcd + "etcd_000.log"}, &out), 1);
  const nlohmann::json results = nlohmann::json::parse(out);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["verdict"], "not linearizable");
  EXPECT_FALSE(results[0]["partial_linearization"].empty());
  EXPECT_FALSE(results[0]["minimal_set"].empty());
  std::ifstream in(html);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  EXPECT_NE(text.str().find("class='blocked"), std::string::npos) << "the operation that breaks it is drawn";
  EXPECT_NE(text.str().find("class='linearized"), std::string::npos);
  EXPECT_NE(text.str().find("client 0"), std::string::npos) << "one lane per client";
}

}  // namespace
}  // namespace faultline::testing

namespace faultline::testing {
namespace {

TEST(CheckCommand, ValuesFromTheHistoryAreShownInert) {
  TempDir dir;
  const auto file = dir.path() / "hostile.jsonl";
  const std::string value = R"("\u001b]0;pwned\u0007\u001b[31mRED\r\b\u0000")";
  std::ofstream(file) << "{\"faultline_history\":{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":" << value << ",\"time\":1}}\n"
                      << "{\"faultline_history\":{\"process\":1,\"type\":\"ok\",\"f\":\"write\",\"value\":" << value << ",\"time\":2}}\n"
                      << "{\"faultline_history\":{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time\":3}}\n"
                      << "{\"faultline_history\":{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":\"other\",\"time\":4}}\n";
  std::string out;
  EXPECT_EQ(check({"--model", "register", file.string()}, &out), 1) << out;
  EXPECT_NE(out.find("\\x1b[31mRED\\r\\b\\0"), std::string::npos) << out;
  for (const char c : out) EXPECT_FALSE((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) << out;
  EXPECT_EQ(check({"--model", "register", "--json", file.string()}, &out), 1) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "JSON escapes it";
}

}  // namespace
}  // namespace faultline::testing
