// The faultline command: validate, bad files, and the environment as an unprivileged user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace faultline::testing {
namespace {

const std::string kData = TEST_DATA_DIR;

// Runs faultline with `args`; `as_user` (setpriv arguments) runs it as another user.
int faultline(const std::vector<std::string>& args, std::string* output,
              const std::vector<std::string>& as_user = {}) {
  std::vector<std::string> argv = as_user;
  argv.push_back(FAULTLINE_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, output, /*merge_stderr=*/true);
}

// Starts `faultline env up` (as `as_user`, setpriv arguments, when given) and reads its output
// until it says the environment is up; `log` gets what it printed.
Child env_up(const std::vector<std::string>& args, std::string* log, const std::vector<std::string>& as_user = {}) {
  std::vector<std::string> argv = as_user;
  argv.insert(argv.end(), {FAULTLINE_BIN, "env", "up"});
  argv.insert(argv.end(), args.begin(), args.end());
  Child up = start(argv, {{"FAULTLINE_SANDBOX_AGENT", SANDBOX_AGENT}}, /*merge_stderr=*/true);
  std::string line;
  do {
    line = read_line(up);
    *log += line + "\n";
  } while (!line.empty() && line.find("is up") == std::string::npos);
  return up;
}

TEST(Validate, ListsTemplatesPerService) {
  std::string out;
  EXPECT_EQ(faultline({"validate", kData + "/templates-good"}, &out), 0) << out;
  EXPECT_NE(out.find("template main:"), std::string::npos) << out;
  EXPECT_NE(out.find("client1: eventually_converged, first_setup.sh, parallel_driver_traffic.sh"), std::string::npos) << out;
  EXPECT_NE(out.find("client2: eventually_converged, first_setup.sh, parallel_driver_traffic.sh"), std::string::npos) << out;
  EXPECT_NE(out.find("single: anytime_probe.sh"), std::string::npos) << out;
  EXPECT_EQ(out.find("helper_lib"), std::string::npos) << "helper_ files are not commands";
  EXPECT_NE(out.find("\nok\n"), std::string::npos) << out;
}

TEST(Validate, ReportsEveryProblemWithItsPath) {
  std::string out;
  EXPECT_EQ(faultline({"validate", kData + "/templates-bad"}, &out), 2) << out;
  const std::string main = kData + "/templates-bad/main/";
  EXPECT_NE(out.find(main + "notes.txt: not a test command"), std::string::npos) << out;
  EXPECT_NE(out.find(main + "anytime_not_executable.sh: not executable"), std::string::npos) << out;
  EXPECT_NE(out.find(main + "serial_driver_no_shebang: neither a program nor a script"), std::string::npos) << out;
  EXPECT_NE(out.find(main + "subdir: a folder"), std::string::npos) << out;
  EXPECT_NE(out.find("/opt/antithesis/test/v1/lonely: no parallel_driver_"), std::string::npos) << out;
  EXPECT_NE(out.find("5 problems"), std::string::npos) << out;
}

TEST(Validate, BadComposeFileExitsTwoNamingFileAndLine) {
  std::string out;
  EXPECT_EQ(faultline({"validate", "-f", kData + "/bad-dependency.yaml"}, &out), 2);
  EXPECT_NE(out.find("bad-dependency.yaml:3:5: services.a.depends_on: unknown service \"nobody\""), std::string::npos) << out;
  EXPECT_EQ(faultline({"validate", "-f", "/no/such/compose.yaml"}, &out), 2);
  EXPECT_NE(out.find("/no/such/compose.yaml: no such file"), std::string::npos) << out;
  EXPECT_EQ(faultline({"env", "up", "--bogus"}, &out), 2);
}

// Without root: faultline's sandbox is an unprivileged user namespace (Debian 12's default).
TEST(Rootless, EnvironmentRunsAsAnUnprivilegedUser) {
  if (geteuid() != 0) GTEST_SKIP() << "this test switches to an unprivileged user, which needs root";
  const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::ofstream(dir.path() / "compose.yaml") << "services:\n  lonely:\n    command: sleep 1000\n";
  std::string log;
  Child up = env_up({"-f", (dir.path() / "compose.yaml").string(), "-p", "rootless-test"}, &log, nobody);
  ASSERT_NE(log.find("is up"), std::string::npos) << log;
  std::string out;
  EXPECT_EQ(faultline({"env", "exec", "-p", "rootless-test", "lonely", "--", "id", "-u"}, &out, nobody), 0) << out;
  EXPECT_EQ(out, "0\n") << "root inside the sandbox's user namespace";
  EXPECT_EQ(faultline({"env", "exec", "-p", "rootless-test", "lonely", "--", "hostname"}, &out, nobody), 0) << out;
  EXPECT_EQ(out, "lonely\n");
  EXPECT_EQ(faultline({"env", "down", "-p", "rootless-test"}, &out, nobody), 0) << out;
  EXPECT_EQ(wait_for(up), 0);
}


// docker compose's forms: -f repeated and merged in order, options before or after the service,
// the command after the service (or after --) passed on untouched, options of the command included.
TEST(CommandLine, EverySubcommandTakesComposesArgumentForms) {
  TempDir dir;
  std::ofstream(dir.path() / "compose.yaml") << "services:\n  box:\n    command: sleep 1000\n";
  std::ofstream(dir.path() / "override.yaml") << "services:\n  box:\n    environment: {FROM: override}\n";
  const std::string base = (dir.path() / "compose.yaml").string(), over = (dir.path() / "override.yaml").string();
  std::string out;
  EXPECT_EQ(faultline({"validate", "-f", base, "-f", over}, &out), 2) << out;  // no template: but both files read
  EXPECT_NE(out.find("compose.yaml, " + over), std::string::npos) << out;

  std::string log;
  Child up = env_up({"-f", base, "-f", over, "-p", "forms"}, &log);
  ASSERT_NE(log.find("is up"), std::string::npos) << log;

  const std::vector<std::vector<std::string>> forms = {
      {"env", "exec", "-f", base, "-p", "forms", "box", "--", "sh", "-c", "echo $FROM \"$@\"", "x", "--endpoints", "http://e:2379"},
      {"env", "exec", "-p", "forms", "box", "sh", "-c", "echo $FROM \"$@\"", "x", "--endpoints", "http://e:2379"},
      {"env", "exec", "box", "-p", "forms", "--", "sh", "-c", "echo $FROM \"$@\"", "x", "--endpoints", "http://e:2379"},
      {"env", "exec", "--project-name=forms", "box", "sh", "-c", "echo $FROM \"$@\"", "x", "--endpoints", "http://e:2379"},
  };
  for (const auto& form : forms) {
    EXPECT_EQ(faultline(form, &out), 0) << out;
    EXPECT_EQ(out, "override --endpoints http://e:2379\n") << form[2] << " " << form[3];
  }
  EXPECT_EQ(faultline({"env", "exec", "-e", "A=1", "-e", "B=2", "-p", "forms", "-w", "/tmp", "box", "sh", "-c", "echo $A$B $(pwd)"}, &out), 0);
  EXPECT_EQ(out, "12 /tmp\n");
  EXPECT_EQ(faultline({"env", "exec", "-p", "forms", "box"}, &out), 2);
  EXPECT_NE(out.find("no command given"), std::string::npos) << out;
  EXPECT_EQ(faultline({"env", "ps", "-f", base, "-f", over, "-p", "forms"}, &out), 0) << out;
  EXPECT_NE(out.find("box"), std::string::npos) << out;
  EXPECT_EQ(faultline({"env", "down", "-p", "forms", "-f", base}, &out), 0) << out;
  EXPECT_EQ(wait_for(up), 0);
}


// `faultline env fault`: faults by hand in a running environment, on real traffic.
TEST(CommandLine, FaultsByHandTakeHoldAndHeal) {
  TempDir dir;
  std::ofstream(dir.path() / "compose.yaml")
      << "x-probe: &probe\n  command: [\"tcp_probe\", \"serve\", \"7000\"]\n"
         "  volumes: [\"" << TCP_PROBE << ":/usr/local/bin/tcp_probe:ro\"]\n"
         "services:\n  a: *probe\n  b: *probe\n  c: *probe\n";
  std::string log;
  Child up = env_up({"-f", (dir.path() / "compose.yaml").string(), "-p", "by-hand"}, &log);
  ASSERT_NE(log.find("is up"), std::string::npos) << log;
  std::string out;
  const auto reaches = [&](const std::string& from, const std::string& to) {
    std::string ignored;
    return faultline({"env", "exec", "-p", "by-hand", from, "tcp_probe", "connect", to, "7000", "500"}, &ignored) == 0;
  };
  ASSERT_TRUE(reaches("a", "b") && reaches("a", "c"));

  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "partition", "a", "--from", "b"}, &out), 0) << out;
  EXPECT_NE(out.find("in force: partition (isolated) a | b"), std::string::npos) << out;
  EXPECT_FALSE(reaches("a", "b"));
  EXPECT_FALSE(reaches("b", "a"));
  EXPECT_TRUE(reaches("a", "c")) << "only b is cut from a";
  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "pause", "c"}, &out), 0) << out;
  EXPECT_FALSE(reaches("b", "c"));
  EXPECT_EQ(faultline({"env", "ps", "-p", "by-hand"}, &out), 0);
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  EXPECT_NE(out.find("FAULTS IN FORCE"), std::string::npos) << out;
  EXPECT_NE(out.find("pause c"), std::string::npos) << out;

  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "heal"}, &out), 0) << out;
  EXPECT_NE(out.find("healed: pause c"), std::string::npos) << out;
  EXPECT_TRUE(reaches("a", "b"));
  EXPECT_TRUE(reaches("b", "c"));
  EXPECT_EQ(faultline({"env", "ps", "-p", "by-hand"}, &out), 0);
  EXPECT_EQ(out.find("FAULTS IN FORCE"), std::string::npos) << out;

  // Wrong words get a clear message and change nothing.
  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "partition", "nobody"}, &out), 2);
  EXPECT_NE(out.find("no service named \"nobody\""), std::string::npos) << out;
  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "loss", "a", "150%"}, &out), 2);
  EXPECT_NE(out.find("percentage"), std::string::npos) << out;
  EXPECT_EQ(faultline({"env", "fault", "-p", "by-hand", "meteor", "a"}, &out), 2);
  EXPECT_NE(out.find("unknown fault \"meteor\""), std::string::npos) << out;
  EXPECT_TRUE(reaches("a", "b"));

  EXPECT_EQ(faultline({"env", "down", "-p", "by-hand"}, &out), 0) << out;
  EXPECT_EQ(wait_for(up), 0);
}

}  // namespace
}  // namespace faultline::testing
