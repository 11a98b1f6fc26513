#include "image_files.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <exception>
#include <memory>
#include <stdexcept>
#include <vector>

namespace faultline::env::docker {
namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

// An entry's name split into its components ("." and empty ones dropped). Refuses absolute names
// and ".." components: nothing may land outside `into`.
std::vector<std::string> components(const std::string& name, const std::string& what) {
  if (name.empty() || name.front() == '/') throw std::runtime_error(what + ": the archive holds an absolute path \"" + name + "\"");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") throw std::runtime_error(what + ": the archive holds a path with \"..\": \"" + name + "\"");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

// `name` without its first component (the folder's base name), under `into`; empty for the top
// entry itself. Every entry must be under the same top one.
std::string rewritten(const std::string& name, const std::filesystem::path& into, std::string& top,
                      const std::string& what) {
  const auto parts = components(name, what);
  if (parts.empty()) throw std::runtime_error(what + ": the archive holds an entry without a name");
  if (top.empty()) top = parts.front();
  if (parts.front() != top) {
    throw std::runtime_error(what + ": the archive holds \"" + name + "\" outside its folder \"" + top + "\"");
  }
  if (parts.size() == 1) return {};
  std::filesystem::path out = into;
  for (size_t i = 1; i < parts.size(); ++i) out /= parts[i];
  return out.string();
}

// Unpacks the tar in `tar` into `into`.
void extract(const std::string& tar, const std::filesystem::path& into, const std::string& what) {
  std::unique_ptr<archive, ReadDeleter> reader(archive_read_new());
  std::unique_ptr<archive, WriteDeleter> writer(archive_write_disk_new());
  if (!reader || !writer) throw std::runtime_error(what + ": libarchive could not start");
  archive_read_support_format_tar(reader.get());
  // Owners are not kept (files are the caller's); modes are, without set-id bits. Destinations
  // are absolute (under `into`), so ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be used: the
  // names are refused above instead, before they are rewritten. Symlinks already written are
  // never followed (SECURE_SYMLINKS), also not through `into` itself: it is canonical.
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  if (archive_read_open_memory(reader.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    throw std::runtime_error(what + ": not a tar archive: " + archive_error_string(reader.get()));
  }
  const auto failed = [&](archive* a, const std::string& doing) {
    const char* message = archive_error_string(a);
    return std::runtime_error(what + ": " + doing + ": " + (message != nullptr ? message : "libarchive failed"));
  };
  std::string top;
  bool first = true;
  size_t total = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) throw failed(reader.get(), "reading the archive");
    const std::string name = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
    const std::string out = rewritten(name, into, top, what);
    const mode_t type = archive_entry_filetype(entry);
    if (first) {
      first = false;
      if (type != AE_IFDIR || !out.empty()) throw std::runtime_error(what + ": not a folder");
    }
    if (out.empty()) continue;  // the folder itself: `into`
    const char* hardlink = archive_entry_hardlink(entry);
    if (hardlink != nullptr) {
      const std::string target = rewritten(hardlink, into, top, what);
      if (target.empty()) throw std::runtime_error(what + ": the archive links \"" + name + "\" to its folder");
      archive_entry_set_hardlink(entry, target.c_str());
    } else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
      continue;  // devices, fifos, sockets: nothing a test template needs
    }
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
      total += static_cast<size_t>(archive_entry_size(entry));
      if (total > kImageCopyLimit) {
        throw std::runtime_error(what + ": more than " + std::to_string(kImageCopyLimit >> 20) + " MiB of files");
      }
    }
    archive_entry_set_pathname(entry, out.c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & ~mode_t{S_ISUID | S_ISGID});
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) throw failed(writer.get(), "writing " + out);
    if (archive_entry_size(entry) > 0) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        const int read = archive_read_data_block(reader.get(), &block, &size, &offset);
        if (read == ARCHIVE_EOF) break;
        if (read < ARCHIVE_WARN) throw failed(reader.get(), "reading " + name);
        if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN) {
          throw failed(writer.get(), "writing " + out);
        }
      }
    }
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) throw failed(writer.get(), "writing " + out);
  }
  // Sets the folders' modes, deferred until their content is in.
  if (archive_write_close(writer.get()) < ARCHIVE_WARN) throw failed(writer.get(), "finishing");
}

}  // namespace

bool copy_from_image(Engine& engine, const std::string& image, const std::string& path,
                     const std::filesystem::path& into, const nlohmann::json& labels) {
  const std::string what = "copying " + path + " out of image " + image;
  // Never started: the entrypoint need not exist, but some images refuse to be made without a
  // command.
  nlohmann::json body = {{"Image", image},
                         {"Entrypoint", nlohmann::json::array({"/nonexistent"})},
                         {"Cmd", nlohmann::json::array({"faultline-copy"})},
                         {"Labels", labels.is_null() ? nlohmann::json::object() : labels},
                         {"NetworkDisabled", true}};
  std::string id;
  try {
    const auto created = engine.call("POST", "/containers/create", body);
    if (created.is_object() && created.contains("Id") && created["Id"].is_string()) id = created["Id"].get<std::string>();
    if (id.empty()) throw DockerError(0, "POST /containers/create: an answer without an Id");
  } catch (const DockerError& e) {
    throw DockerError(e.status(), what + ": " + e.what());
  }

  bool found = true;
  std::exception_ptr failure;
  try {
    std::string tar;
    bool too_big = false;
    try {
      engine.stream(
          "GET", "/containers/" + id + "/archive?path=" + url_encode(path), nullptr,
          [&](const char* data, size_t size) {
            if (tar.size() + size > kImageCopyLimit) {
              too_big = true;
              return false;
            }
            tar.append(data, size);
            return true;
          },
          nullptr, nullptr);
    } catch (const DockerError& e) {
      if (e.status() != 404) throw DockerError(e.status(), what + ": " + e.what());
      found = false;
    }
    if (too_big) {
      throw std::runtime_error(what + ": the folder is larger than " + std::to_string(kImageCopyLimit >> 20) +
                               " MiB, more than faultline copies");
    }
    if (found) {
      std::filesystem::create_directories(into);
      extract(tar, std::filesystem::canonical(into), what);
    }
  } catch (const std::filesystem::filesystem_error& e) {
    failure = std::make_exception_ptr(std::runtime_error(what + ": " + e.what()));
  } catch (...) {
    failure = std::current_exception();
  }

  // Always, also after a failure: that one is what is thrown then.
  try {
    engine.remove_container(id);
  } catch (const DockerError& e) {
    if (!failure) throw DockerError(e.status(), what + ": removing its container " + id + ": " + e.what());
  }
  if (failure) std::rethrow_exception(failure);
  return found;
}

}  // namespace faultline::env::docker
