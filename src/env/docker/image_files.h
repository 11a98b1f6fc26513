// Files baked into a container image, brought to the host: test templates that an image carries
// (e.g. /opt/antithesis/test/v1/<template>/), which faultline finds by reading host files.
#ifndef FAULTLINE_SRC_ENV_DOCKER_IMAGE_FILES_H_
#define FAULTLINE_SRC_ENV_DOCKER_IMAGE_FILES_H_

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "env/docker/engine.h"

namespace faultline::env::docker {

// The most a copied folder may weigh (its tar stream, and its files' sizes): beyond it the copy
// is refused.
inline constexpr size_t kImageCopyLimit = size_t{256} << 20;

// Copies the folder `path` of `image` (on the daemon at `engine`) into `into` (created), keeping
// modes (executable bits) and symlinks inside it; returns false when the image has no such path.
// Throws DockerError / std::runtime_error naming the image and path otherwise. Leaves nothing on
// the daemon. `into` holds the folder's content (not the folder itself); the container made to
// read the image (never started) carries `labels` (an object of strings) while it exists. When it
// throws, `into` may hold part of the folder.
bool copy_from_image(Engine& engine, const std::string& image, const std::string& path,
                     const std::filesystem::path& into, const nlohmann::json& labels);

}  // namespace faultline::env::docker

#endif  // FAULTLINE_SRC_ENV_DOCKER_IMAGE_FILES_H_
