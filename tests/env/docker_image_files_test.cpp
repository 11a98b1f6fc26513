// copy_from_image against the daemon FAULTLINE_TEST_DOCKER_HOST=unix://... names
// (tests/support/private-dockerd start DIR prints one; skipped without it): a test template baked
// into an image arrives on the host with its content, modes and symlinks, and nothing is left on
// the daemon. The image is this process's own (imported from a tarball), removed at the end.
#include "env/docker/image_files.h"

#include <sys/stat.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "subprocess.h"

namespace faultline::env::docker {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTemplates = "/opt/antithesis/test/v1";
constexpr const char* kDriver = "#!/bin/busybox sh\necho driving\n";
constexpr const char* kHelper = "helper's text\n";

std::string test_socket() {
  const char* host = std::getenv("FAULTLINE_TEST_DOCKER_HOST");
  if (host == nullptr || std::string(host).rfind("unix://", 0) != 0) return "";
  return std::string(host).substr(7);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, perms);
}

// What this process's tests make on the daemon are told apart by these.
const std::string& unique_suffix() {
  static const std::string suffix =
      std::to_string(getpid()) + "-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  return suffix;
}

class ImageFilesTest : public ::testing::Test {
 protected:
  static inline const std::string kRepo = "faultline/imgfiles-test";
  static std::string image() { return kRepo + ":" + unique_suffix(); }
  static nlohmann::json labels() { return {{"faultline.test.imgfiles", unique_suffix()}}; }
  static std::string label() { return "faultline.test.imgfiles=" + unique_suffix(); }

  void SetUp() override {
    if (test_socket().empty()) {
      GTEST_SKIP() << "needs a Docker daemon: set FAULTLINE_TEST_DOCKER_HOST=unix://.../docker.sock "
                      "(tests/support/private-dockerd start DIR prints one)";
    }
    engine_ = std::make_unique<Engine>(test_socket());
    if (!imported_) {
      import_image();
      if (HasFatalFailure()) return;
      imported_ = true;
    }
  }

  void TearDown() override {
    if (engine_) {
      EXPECT_TRUE(engine_->containers_with_label(label()).empty()) << "a container is left on the daemon";
    }
  }

  static void TearDownTestSuite() {
    if (!imported_) return;
    Engine engine(test_socket());
    engine.call("DELETE", "/images/" + url_encode(image()) + "?force=1");
    try {
      engine.call("GET", "/images/" + url_encode(image()) + "/json");
      ADD_FAILURE() << "the test image " << image() << " is still there";
    } catch (const DockerError& e) {
      EXPECT_EQ(e.status(), 404) << e.what();
    }
    imported_ = false;
  }

  // An image of /bin/busybox (busybox-static) and a template folder, imported from a tarball made
  // here.
  void import_image() {
    testing::TempDir dir;
    const fs::path root = dir.path() / "root";
    const fs::path basic = root / "opt/antithesis/test/v1/basic";
    fs::create_directories(root / "bin");
    fs::create_directories(basic);
    fs::copy_file("/bin/busybox", root / "bin/busybox");
    write_file(basic / "parallel_driver_x", kDriver, static_cast<fs::perms>(0755));
    write_file(basic / "helper.txt", kHelper, static_cast<fs::perms>(0644));
    fs::create_symlink("helper.txt", basic / "link");
    const fs::path tar = dir.path() / "image.tar";
    std::string output;
    ASSERT_EQ(testing::run({"tar", "-C", root.string(), "--owner=0", "--group=0", "-cf", tar.string(), "bin", "opt"},
                           {}, &output, true),
              0)
        << output;
    const std::string body = read_file(tar);

    engine_->import_image(body, kRepo, unique_suffix());
  }

  std::unique_ptr<Engine> engine_;
  testing::TempDir dir_;
  static inline bool imported_ = false;
};

TEST_F(ImageFilesTest, CopiesTheFolderWithModesAndSymlinks) {
  const fs::path into = dir_.path() / "templates";
  ASSERT_TRUE(copy_from_image(*engine_, image(), kTemplates, into, labels()));

  // The folder's content, without the folder itself ("v1").
  EXPECT_FALSE(fs::exists(into / "v1"));
  const fs::path basic = into / "basic";
  ASSERT_TRUE(fs::is_directory(basic));
  EXPECT_EQ(read_file(basic / "parallel_driver_x"), kDriver);
  EXPECT_EQ(read_file(basic / "helper.txt"), kHelper);

  struct stat driver {}, helper {};
  ASSERT_EQ(stat((basic / "parallel_driver_x").c_str(), &driver), 0);
  ASSERT_EQ(stat((basic / "helper.txt").c_str(), &helper), 0);
  EXPECT_EQ(driver.st_mode & 07777, 0755u);
  EXPECT_EQ(access((basic / "parallel_driver_x").c_str(), X_OK), 0);
  EXPECT_EQ(helper.st_mode & 07777, 0644u);

  ASSERT_TRUE(fs::is_symlink(basic / "link"));
  EXPECT_EQ(fs::read_symlink(basic / "link"), "helper.txt");
  EXPECT_EQ(read_file(basic / "link"), kHelper);

  // A deeper folder: its own base name ("basic") is stripped likewise.
  const fs::path one = dir_.path() / "one";
  ASSERT_TRUE(copy_from_image(*engine_, image(), std::string(kTemplates) + "/basic", one, labels()));
  EXPECT_EQ(read_file(one / "parallel_driver_x"), kDriver);
  EXPECT_TRUE(fs::is_symlink(one / "link"));
}

TEST_F(ImageFilesTest, AMissingPathIsFalse) {
  const fs::path into = dir_.path() / "none";
  EXPECT_FALSE(copy_from_image(*engine_, image(), "/opt/antithesis/test/v2", into, labels()));
  EXPECT_FALSE(fs::exists(into));
}

TEST_F(ImageFilesTest, AFileIsNotAFolder) {
  try {
    copy_from_image(*engine_, image(), "/bin/busybox", dir_.path() / "file", labels());
    FAIL() << "copied a file as a folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/bin/busybox"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a folder"), std::string::npos) << e.what();
  }
}

TEST_F(ImageFilesTest, AMissingImageThrowsNamingIt) {
  const std::string missing = "faultline/imgfiles-absent:" + unique_suffix();
  try {
    copy_from_image(*engine_, missing, kTemplates, dir_.path() / "absent", labels());
    FAIL() << "copied from an image that does not exist";
  } catch (const DockerError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kTemplates), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultline::env::docker
