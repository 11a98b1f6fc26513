// Where templates are found: the services' bind mounts of /opt/antithesis/test/v1.
#include "composer/templates.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "subprocess.h"

namespace faultline::composer {
namespace {

namespace fs = std::filesystem;

TEST(Templates, AOneShotThatOthersWaitForHoldsNoCommands) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "tpl" / "main");
  const fs::path driver = dir.path() / "tpl" / "main" / "parallel_driver_x.sh";
  std::ofstream(driver) << "#!/bin/sh\n";
  chmod(driver.c_str(), 0755);
  std::ofstream(dir.path() / "compose.yaml") << R"(
x-holder: &holder
  command: sleep infinity
  volumes: ["./tpl:/opt/antithesis/test/v1:ro"]
services:
  setup:
    <<: *holder
  client:
    <<: *holder
    depends_on:
      setup: {condition: service_completed_successfully}
)";
  const env::Project project = env::load_project({dir.path() / "compose.yaml"}, {});
  const std::vector<TestTemplate> templates = find_templates(project);
  ASSERT_EQ(templates.size(), 1u);
  ASSERT_EQ(templates[0].commands.size(), 1u) << "setup ends before commands run";
  EXPECT_EQ(templates[0].commands[0].service, "client");
}

}  // namespace
}  // namespace faultline::composer
