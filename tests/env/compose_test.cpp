// Compose files: what compose users rely on, and a clear error for each kind of bad file.
#include <gtest/gtest.h>

#include <fstream>

#include "env/compose.h"
#include "subprocess.h"

namespace faultline::env {
namespace {

using testing::TempDir;

class ComposeTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  Project load(const std::vector<std::string>& names, std::map<std::string, std::string> env = {}) {
    std::vector<std::filesystem::path> files;
    for (const auto& n : names) files.push_back(dir_.path() / n);
    return load_project(files, env);
  }
  // The message of the ConfigError that loading throws.
  std::string error_of(const std::vector<std::string>& names, std::map<std::string, std::string> env = {}) {
    try {
      require_local_commands(load(names, env));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  TempDir dir_;
};

TEST_F(ComposeTest, AnchorsAliasesMergeKeysAndExtensionFields) {
  write("compose.yaml", R"(
x-common: &common
  command: ["sleep", "10"]
  environment: {SHARED: "1", MODE: base}
services:
  a:
    <<: *common
    environment: {MODE: mine}
  b:
    <<: [*common]
    hostname: bee
)");
  const Project p = load({"compose.yaml"});
  EXPECT_EQ(p.services.at("a").argv, (std::vector<std::string>{"sleep", "10"}));
  EXPECT_EQ(p.services.at("a").environment.at("MODE"), "mine") << "explicit keys win over merged ones";
  EXPECT_EQ(p.services.at("a").environment.count("SHARED"), 0u) << "<< merges one level, as YAML says";
  EXPECT_EQ(p.services.at("b").environment.at("SHARED"), "1");
  EXPECT_EQ(p.services.at("b").hostname, "bee");
  EXPECT_EQ(p.services.at("a").hostname, "a");
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
}

TEST_F(ComposeTest, InterpolationFromEnvironmentAndDotEnv) {
  write(".env", "FROM_FILE=file-value\nOVERRIDDEN=from-file\n# comment\n");
  write("compose.yaml", R"(
services:
  a:
    command: echo ${FROM_FILE} $OVERRIDDEN ${UNSET:-fallback} ${EMPTY:-dflt} ${EMPTY-kept} $$HOME
)");
  const Project p = load({"compose.yaml"}, {{"OVERRIDDEN", "from-env"}, {"EMPTY", ""}});
  EXPECT_EQ(p.services.at("a").argv,
            (std::vector<std::string>{"echo", "file-value", "from-env", "fallback", "dflt", "$HOME"}));
}

TEST_F(ComposeTest, RequiredVariableNamesFileLineAndField) {
  write("compose.yaml", "services:\n  a:\n    command: run ${TOKEN:?set TOKEN first}\n");
  const std::string error = error_of({"compose.yaml"});
  EXPECT_NE(error.find("compose.yaml:3:"), std::string::npos) << error;
  EXPECT_NE(error.find("services.a.command"), std::string::npos) << error;
  EXPECT_NE(error.find("TOKEN is not set: set TOKEN first"), std::string::npos) << error;
}

TEST_F(ComposeTest, OverrideFilesMergeAsComposeDoes) {
  write("data/x", "");
  write("base.yaml", R"(
services:
  a:
    image: example/a
    entrypoint: /entrypoint.sh
    environment: [A=1, B=2]
    volumes: [./data:/data]
)");
  write("local.yaml", R"(
services:
  a:
    entrypoint: []
    command: ["sleep", "5"]
    environment: {B: "3", C: "4"}
    volumes: ["./data:/data:ro"]
)");
  const Project p = load({"base.yaml", "local.yaml"});
  const ServiceSpec& a = p.services.at("a");
  EXPECT_EQ(a.argv, (std::vector<std::string>{"sleep", "5"}));
  EXPECT_EQ(a.environment, (std::map<std::string, std::string>{{"A", "1"}, {"B", "3"}, {"C", "4"}}));
  ASSERT_EQ(a.mounts.size(), 1u) << "volumes merge by target";
  EXPECT_TRUE(a.mounts[0].read_only);
  EXPECT_EQ(a.mounts[0].source, (dir_.path() / "data").string());
  EXPECT_EQ(a.image, "example/a") << "kept for the docker backend";
  EXPECT_EQ(a.entrypoint, std::vector<std::string>{}) << "an empty entrypoint clears the image's";
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(ComposeTest, SettingsNoBackendUsesAreNamedOnce) {
  write("compose.yaml", "services:\n  a: {image: x, command: y, container_name: a1, ports: [\"80:80\"]}\n");
  const Project p = load({"compose.yaml"});
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("faultline ignores container settings: container_name (a) ports (a)"), std::string::npos)
      << p.warnings[0];
}

TEST_F(ComposeTest, HealthchecksDependenciesAndStartOrder) {
  write("compose.yaml", R"(
volumes: {shared: {}}
services:
  web:
    command: serve
    depends_on:
      db: {condition: service_healthy}
      init: {condition: service_completed_successfully}
  db:
    command: db
    volumes: [shared:/var/db]
    healthcheck: {test: ["CMD-SHELL", "pg_isready"], interval: 1m30s, timeout: 500ms, retries: 7, start_period: 2s}
  init:
    command: ["init"]
    healthcheck: {test: "true"}
)");
  const Project p = load({"compose.yaml"});
  const HealthCheck& check = *p.services.at("db").healthcheck;
  EXPECT_EQ(check.argv, (std::vector<std::string>{"/bin/sh", "-c", "pg_isready"}));
  EXPECT_EQ(check.interval, Duration(90000));
  EXPECT_EQ(check.timeout, Duration(500));
  EXPECT_EQ(check.start_period, Duration(2000));
  EXPECT_EQ(check.retries, 7);
  EXPECT_EQ(p.services.at("init").healthcheck->argv, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
  EXPECT_EQ(p.services.at("db").mounts.at(0).kind, Mount::Kind::volume);
  EXPECT_EQ(p.services.at("db").mounts.at(0).source, "shared");
  const auto& order = p.start_order;
  const auto pos = [&](const std::string& s) { return std::find(order.begin(), order.end(), s) - order.begin(); };
  EXPECT_LT(pos("db"), pos("web"));
  EXPECT_LT(pos("init"), pos("web"));
  EXPECT_EQ(p.services.at("web").depends_on.size(), 2u);
}

TEST_F(ComposeTest, UnknownKeysWarnWithFileAndLine) {
  write("compose.yaml", "services:\n  a:\n    command: x\n    colour: blue\nflavour: odd\n");
  const Project p = load({"compose.yaml"});
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("compose.yaml:5:"), std::string::npos) << p.warnings[0];
  EXPECT_NE(p.warnings[1].find("compose.yaml:4:"), std::string::npos) << p.warnings[1];
  EXPECT_NE(p.warnings[1].find("services.a.colour: unknown key"), std::string::npos) << p.warnings[1];
}

struct BadFile {
  const char* name;
  const char* text;
  const char* expected;  // pieces the one-line message must contain, separated by |
};

void PrintTo(const BadFile& file, std::ostream* out) { *out << file.name; }

class BadFiles : public ComposeTest, public ::testing::WithParamInterface<BadFile> {};

TEST_P(BadFiles, GiveOneClearMessage) {
  write("compose.yaml", GetParam().text);
  const std::string error = error_of({"compose.yaml"});
  std::string expected = GetParam().expected;
  for (size_t start = 0, bar; start <= expected.size(); start = bar + 1) {
    bar = expected.find('|', start);
    if (bar == std::string::npos) bar = expected.size();
    EXPECT_NE(error.find(expected.substr(start, bar - start)), std::string::npos)
        << "message: " << error << "\nlacks: " << expected.substr(start, bar - start);
  }
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
}

INSTANTIATE_TEST_SUITE_P(
    Compose, BadFiles,
    ::testing::Values(
        BadFile{"YamlError", "services:\n  a:\n    command: [unclosed\n", "compose.yaml:|YAML error"},
        BadFile{"Cycle", "services:\n  a: {command: x, depends_on: [b]}\n  b: {command: x, depends_on: [a]}\n",
                "compose.yaml:2:|depends_on|dependency cycle: a -> b -> a"},
        BadFile{"UnknownDependency", "services:\n  a:\n    command: x\n    depends_on: [ghost]\n",
                "compose.yaml:3:|services.a.depends_on|unknown service \"ghost\""},
        BadFile{"MissingBindSource", "services:\n  a:\n    command: x\n    volumes:\n      - ./nowhere:/data\n",
                "compose.yaml:5:|services.a.volumes[0]|nowhere does not exist"},
        BadFile{"BadDuration", "services:\n  a:\n    command: x\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 5 parsecs\n",
                "compose.yaml:6:|services.a.healthcheck.interval|bad duration \"5 parsecs\""},
        BadFile{"NoCommand", "services:\n  a:\n    image: debian\n", "compose.yaml:3:|services.a|no command|--backend docker"},
        BadFile{"NoCommandNoImage", "services:\n  a:\n    hostname: x\n", "compose.yaml:3:|services.a|no command"},
        BadFile{"UndeclaredVolume", "services:\n  a:\n    command: x\n    volumes: [data:/data]\n",
                "compose.yaml:4:|services.a.volumes[0]|volume \"data\" is not declared"},
        BadFile{"BadCondition", "services:\n  a: {command: x}\n  b:\n    command: x\n    depends_on:\n      a: {condition: service_ready}\n",
                "compose.yaml:6:|services.b.depends_on.a.condition|service_ready"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ComposeFiles, FoundAsComposeFindsThem) {
  TempDir dir;
  EXPECT_THROW(find_compose_files(dir.path()), ConfigError);
  std::ofstream(dir.path() / "docker-compose.yml") << "services: {}\n";
  std::ofstream(dir.path() / "compose.yaml") << "services: {}\n";
  std::ofstream(dir.path() / "compose.override.yaml") << "services: {}\n";
  const auto files = find_compose_files(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "compose.yaml");
  EXPECT_EQ(files[1].filename(), "compose.override.yaml");
}

TEST(ComposeFiles, CommandLinesSplitLikeAShell) {
  EXPECT_EQ(split_command_line(R"(sh -c 'echo "a b"' "x\"y" z\ w)"),
            (std::vector<std::string>{"sh", "-c", "echo \"a b\"", "x\"y", "z w"}));
  EXPECT_EQ(split_command_line("  "), std::vector<std::string>{});
}

}  // namespace
}  // namespace faultline::env
