// An environment with a delay in force, held until this program is killed: for the test that
// nothing of it (the delay's queue reader included) outlives a runner killed outright.
//   delayed_environment COMPOSE_FILE SERVICE    prints "up <sandbox pid>" once SERVICE is delayed
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "env/environment.h"
#include "env/local/local_backend.h"

int main(int argc, char** argv) {
  using namespace faultline::env;
  if (argc != 3) {
    std::fprintf(stderr, "usage: delayed_environment COMPOSE_FILE SERVICE\n");
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test that started it
  Environment env(load_project({argv[1]}, process_environment()), nullptr);
  env.attach(local::make_local_backend(env.project(), [&env](const std::string& s, int status) { env.on_exit(s, status); },
                                       {SANDBOX_AGENT}));
  env.up(Duration(20000));
  env.set_network({.delays = {{argv[2], Duration(50), Duration(10)}}});
  std::printf("up %d\n", static_cast<int>(local::local_sandbox_pid(env.backend())));
  std::fflush(stdout);
  for (;;) pause();  // until killed
}
