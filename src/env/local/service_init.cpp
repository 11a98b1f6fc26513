#include "service_init.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace faultline::env::local {
namespace {

// A failed step of the set-up, with errno's reason.
struct SetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) { throw SetupError(what + ": " + std::strerror(errno)); }

void make_dir(const std::string& path, mode_t mode = 0755) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) fail("mkdir " + path);
}

// mkdir -p for `path` inside `root` (which exists).
void make_dirs(const std::string& root, const std::string& path) {
  std::string current = root;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) {
      current += "/" + path.substr(start, slash - start);
      make_dir(current);
    }
    start = slash + 1;
  }
}

void make_file(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST) fail("create " + path);
  if (fd >= 0) close(fd);
}

void write_file(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("write " + path);
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!ok) fail("write " + path);
}

void do_mount(const char* source, const std::string& target, const char* type, unsigned long flags,
              const std::string& options = "") {
  if (mount(source, target.c_str(), type, flags, options.empty() ? nullptr : options.c_str()) != 0) {
    fail(std::string("mount ") + (type ? type : source ? source : "") + " on " + target);
  }
}

void bind(const std::string& source, const std::string& target, bool read_only) {
  do_mount(source.c_str(), target, nullptr, MS_BIND | MS_REC);
  if (!read_only) return;
  // A remount must keep the flags that a user namespace locked (nosuid, nodev, noexec).
  struct statvfs vfs;
  unsigned long kept = 0;
  if (statvfs(target.c_str(), &vfs) == 0) {
    if (vfs.f_flag & ST_NOSUID) kept |= MS_NOSUID;
    if (vfs.f_flag & ST_NODEV) kept |= MS_NODEV;
    if (vfs.f_flag & ST_NOEXEC) kept |= MS_NOEXEC;
  }
  do_mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | kept);
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A mount point the service needs inside the host's tree (a volume's target, /etc/hosts).
struct MountPoint {
  std::string path;
  bool directory;
};

// Creates the mount points that fall under the host folder `top` ("var", "var/lib") in that
// folder's upper layer, before the overlay is mounted: a folder of the upper layer lends its owner
// to the merged view, so the mount points exist even where the host's folders are not writable (as
// for a user without root, to whom the host's root-owned folders belong to nobody). Those that
// exist already are left as they are.
void prepare_mount_points(const std::vector<MountPoint>& points, const std::string& top, const std::string& upper) {
  for (const MountPoint& point : points) {
    const std::string prefix = "/" + top + "/";
    if (point.path.rfind(prefix, 0) != 0) continue;
    const std::string rest = point.path.substr(prefix.size() - 1);
    struct stat st;
    if (lstat((upper + rest).c_str(), &st) == 0) continue;
    const size_t slash = rest.find_last_of('/');
    make_dirs(upper, rest.substr(0, slash));
    if (point.directory) {
      make_dir(upper + rest);
    } else {
      make_file(upper + rest);
    }
  }
}

// A folder of the service's state for the overlay of the host folder `relative` ("var",
// "var/lib"): one name per host path, the same at every start, so a restart finds its writes.
std::string layer_folder(const std::string& layers, const std::string& relative) {
  std::string name;
  for (char c : relative) {
    if (c == '%') {
      name += "%25";
    } else if (c == '/') {
      name += "%2F";
    } else {
      name += c;
    }
  }
  return layers + "/" + name;
}

// How deep a host folder with mounts below it is taken apart before it is shared read-only.
constexpr int kMirrorDepth = 4;

void mirror_folder(const std::string& host, const std::string& target, const std::string& layers,
                   const std::string& relative, const std::vector<MountPoint>& points, int depth);

// One entry of a host folder in the service's root: a symbolic link copied, a folder mirrored,
// anything else shared read-only.
void mirror_entry(const std::string& from, const std::string& to, const std::string& layers, const std::string& relative,
                  const std::vector<MountPoint>& points, int depth) {
  struct stat st;
  if (lstat(from.c_str(), &st) != 0) return;
  if (S_ISLNK(st.st_mode)) {
    char link[4096];
    const ssize_t n = readlink(from.c_str(), link, sizeof link - 1);
    if (n > 0 && symlink(std::string(link, static_cast<size_t>(n)).c_str(), to.c_str()) != 0 && errno != EEXIST) {
      fail("symlink " + to);
    }
  } else if (S_ISDIR(st.st_mode)) {
    mirror_folder(from, to, layers, relative, points, depth);
  } else {
    make_file(to);
    bind(from, to, true);
  }
}

// The host folder `host` (`relative` to /) at `target`, copy-on-write: an overlay whose upper layer
// is in the service's state. The kernel takes no folder with mounts below it as a lower layer (/var
// on a machine running dockerd, say): then its entries are mirrored one by one at `target`, a
// folder of the service's own root, so that what the service writes there never reaches the host
// either; its files are shared read-only.
void mirror_folder(const std::string& host, const std::string& target, const std::string& layers,
                   const std::string& relative, const std::vector<MountPoint>& points, int depth) {
  make_dir(target);
  const std::string upper = layer_folder(layers, relative);
  make_dir(upper);
  make_dir(upper + "/upper");
  make_dir(upper + "/work");
  prepare_mount_points(points, relative, upper + "/upper");
  const std::string options = "lowerdir=" + host + ",upperdir=" + upper + "/upper,workdir=" + upper + "/work,userxattr";
  if (mount("overlay", target.c_str(), "overlay", 0, options.c_str()) == 0) return;
  if (depth >= kMirrorDepth) {
    bind(host, target, true);
    return;
  }
  DIR* dir = opendir(host.c_str());
  if (dir == nullptr) fail("read " + host);
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    mirror_entry(host + "/" + name, target + "/" + name, layers, relative + "/" + name, points, depth + 1);
  }
  closedir(dir);
  // Mount points in this folder that the host does not have: the folder is the service's own.
  prepare_mount_points(points, relative, target);
}

// The host's file system as the service's root: a folder of its state with one overlay per
// top-level folder of the host (the kernel refuses "/" itself as a lower layer inside a user namespace: its submounts
// are locked), the host's symbolic links, a fresh /proc, and /tmp and /run of its own. What the
// service writes lands in its state folder in the sandbox's tmpfs (the overlays' upper layers,
// tmp/ and run/): it survives a restart of the service, as in a restarted container, never reaches
// the host, and is gone with the sandbox.
void build_root(const ServiceLaunch& launch, const std::string& root) {
  std::vector<MountPoint> points = {{"/etc/hosts", false}, {"/etc/hostname", false}};
  for (const ServiceMount& m : launch.mounts) {
    points.push_back({m.target, m.kind == ServiceMount::Kind::tmpfs || is_directory(m.source)});
  }
  const std::string layers = launch.state_dir + "/layers";
  make_dir(layers);
  // The root folder itself is kept too: what the service writes at its top (etcd's default data
  // dir is ./<name>.etcd in /) must survive a restart. A bind onto itself makes it a mount point,
  // as pivot_root wants.
  make_dir(root);
  if (chmod(root.c_str(), 0755) != 0) fail("chmod " + root);
  bind(root, root, false);

  DIR* dir = opendir("/");
  if (dir == nullptr) fail("read /");
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || name == "proc" || name == "sys" || name == "dev" || name == "tmp" ||
        name == "run" || name == "lost+found") {
      continue;
    }
    mirror_entry("/" + name, root + "/" + name, layers, name, points, 0);
  }
  closedir(dir);

  for (const char* name : {"proc", "sys", "dev", "tmp", "run"}) make_dir(root + "/" + name);
  bind("/dev", root + "/dev", false);
  make_dir(root + "/dev/shm");
  do_mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  bind("/sys", root + "/sys", false);
  for (const auto& [name, mode] : {std::pair{"tmp", 01777}, std::pair{"run", 0755}}) {
    const std::string kept = launch.state_dir + "/" + name;
    make_dir(kept);
    if (chmod(kept.c_str(), static_cast<mode_t>(mode)) != 0) fail("chmod " + kept);  // mkdir's mode is masked
    bind(kept, root + "/" + name, false);
  }
  // proc of the service's own PID namespace; mounted before the host's /proc goes out of sight,
  // since the kernel allows a new proc in a user namespace only where one is fully visible.
  do_mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);

  // Names of every service, and this one's hostname, as compose resolves them.
  const std::string hosts = launch.state_dir + "/hosts";
  const std::string hostname = launch.state_dir + "/hostname";
  write_file(hosts, launch.hosts_file);
  write_file(hostname, launch.hostname + "\n");
  make_dirs(root, "/etc");
  make_file(root + "/etc/hosts");
  make_file(root + "/etc/hostname");
  bind(hosts, root + "/etc/hosts", false);
  bind(hostname, root + "/etc/hostname", false);

  for (const ServiceMount& m : launch.mounts) {
    const std::string target = root + m.target;
    if (m.kind == ServiceMount::Kind::tmpfs) {
      make_dirs(root, m.target);
      do_mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
      continue;
    }
    const size_t slash = m.target.find_last_of('/');
    make_dirs(root, m.target.substr(0, slash));
    if (is_directory(m.source)) {
      make_dir(target);
    } else {
      make_file(target);
    }
    bind(m.source, target, m.read_only);
  }

  if (sethostname(launch.hostname.data(), launch.hostname.size()) != 0) fail("sethostname");

  const std::string old_root = root + "/.old-root";
  make_dir(old_root);
  if (syscall(SYS_pivot_root, root.c_str(), old_root.c_str()) != 0) fail("pivot_root");
  if (chdir("/") != 0) fail("chdir /");
  if (umount2("/.old-root", MNT_DETACH) != 0) fail("unmount the old root");
  rmdir("/.old-root");
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Starts the command; returns its pid, or throws with exec's reason.
pid_t start_command(const ServiceLaunch& launch, const sigset_t& original_mask) {
  int exec_error[2];
  if (pipe2(exec_error, O_CLOEXEC) != 0) fail("pipe");
  std::vector<char*> argv = c_strings(launch.argv);
  std::vector<char*> envp = c_strings(launch.environment);
  const pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    dup2(launch.stdout_fd, STDOUT_FILENO);
    dup2(launch.stderr_fd, STDERR_FILENO);
    int err = 0;
    if (!launch.working_dir.empty() && chdir(launch.working_dir.c_str()) != 0) err = errno;
    if (err == 0 && launch.uid != 0) {
      if (setgroups(0, nullptr) != 0 || setresgid(launch.gid, launch.gid, launch.gid) != 0 ||
          setresuid(launch.uid, launch.uid, launch.uid) != 0) {
        err = errno;
      }
    }
    if (err == 0) {
      // execvpe searches the PATH of the service's environment.
      for (const std::string& var : launch.environment) {
        if (var.rfind("PATH=", 0) == 0) setenv("PATH", var.c_str() + 5, 1);
      }
      execvpe(argv[0], argv.data(), envp.data());
      err = errno;
    }
    const ssize_t ignored = write(exec_error[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  close(exec_error[1]);
  int err = 0;
  const ssize_t n = read(exec_error[0], &err, sizeof err);
  close(exec_error[0]);
  if (n == sizeof err) {
    errno = err;
    fail(launch.working_dir.empty() || err != ENOENT || launch.argv[0].find('/') != std::string::npos
             ? "start " + launch.argv[0]
             : "start " + launch.argv[0] + " (or its working_dir " + launch.working_dir + ")");
  }
  return pid;
}

void acknowledge(int report_fd, char byte) {
  const ssize_t ignored = write(report_fd, &byte, 1);
  (void)ignored;
}

[[noreturn]] void supervise(pid_t command, int report_fd) {
  sigset_t all;
  sigfillset(&all);
  int status = 0;
  for (;;) {
    siginfo_t info;
    const int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    switch (sig) {
      case SIGCHLD: {
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
          if (pid == command) {
            // The service ends with its command: nothing else of it may linger.
            kill(-1, SIGKILL);
            while (waitpid(-1, nullptr, 0) > 0) {
            }
            _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
          }
        }
        break;
      }
      // Once kill(2) returns, no process of the service runs user code again until continued;
      // the agent waits for this byte to say that the service is paused (or continued).
      case SIGUSR1:
        kill(-1, SIGSTOP);
        acknowledge(report_fd, kPausedByte);
        break;
      case SIGUSR2:
        kill(-1, SIGCONT);
        acknowledge(report_fd, kResumedByte);
        break;
      case SIGTERM:
      case SIGINT:
      case SIGHUP:
      case SIGQUIT:
        kill(command, sig);
        kill(-1, SIGCONT);  // a paused service must run to end by the signal
        break;
      default: break;
    }
  }
}

}  // namespace

void run_service_init(const ServiceLaunch& launch, int go_fd, int report_fd) {
  prctl(PR_SET_NAME, ("fl:" + launch.name).substr(0, 15).c_str());
  sigset_t all, original;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &original);  // blocked signals reach pid 1; sigwaitinfo takes them
  std::string report = "OK";
  pid_t command = -1;
  try {
    char go;
    if (read(go_fd, &go, 1) != 1) throw SetupError("the sandbox went away");
    close(go_fd);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make mounts private");
    build_root(launch, launch.state_dir + "/root");
    command = start_command(launch, original);
  } catch (const std::exception& e) {
    report = std::string("ERR ") + e.what();
  }
  report += "\n";
  const ssize_t ignored = write(report_fd, report.data(), report.size());
  (void)ignored;
  close(launch.stdout_fd);
  close(launch.stderr_fd);
  if (command < 0) _exit(125);
  supervise(command, report_fd);
}

}  // namespace faultline::env::local
