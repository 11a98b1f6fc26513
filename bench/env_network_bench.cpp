// How long network conditions take to be in force: the time of Environment::set_network, which
// returns once the kernel has them (nftables committed, qdisc replaced, the delay's queue reader
// told). The environment tests check on real traffic that the very next packets are affected.
// Goal: under 10 ms (docs/performance.md).
//   env_network_bench [REPETITIONS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "env/environment.h"
#include "env/local/local_backend.h"

namespace {

using faultline::env::Duration;
using faultline::env::Environment;
using faultline::env::NetworkConditions;

double ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Times `change` (after `prepare`, untimed) `repetitions` times; prints the median and the range.
void measure(const char* what, int repetitions, const std::function<void()>& prepare, const std::function<void()>& change) {
  std::vector<double> times;
  for (int i = 0; i < repetitions; ++i) {
    prepare();
    const auto start = std::chrono::steady_clock::now();
    change();
    times.push_back(ms(std::chrono::steady_clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  std::printf("%-58s median %6.2f ms   range %.2f-%.2f ms\n", what, times[times.size() / 2], times.front(), times.back());
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("faultline-net-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << "services:\n  a: {command: sleep 1000}\n  b: {command: sleep 1000}\n"
                                         "  c: {command: sleep 1000}\n";
  Environment env(faultline::env::load_project({dir / "compose.yaml"}, faultline::env::process_environment()), nullptr);
  env.attach(faultline::env::local::make_local_backend(
      env.project(), [&env](const std::string& s, int status) { env.on_exit(s, status); }, {SANDBOX_AGENT}));
  env.up(Duration(20000));
  std::filesystem::remove_all(dir);

  using Cut = NetworkConditions::Cut;
  const NetworkConditions healed;
  const NetworkConditions cut{.cuts = {Cut{{"a"}, {"b", "c"}}, Cut{{"b", "c"}, {"a"}}}};
  const NetworkConditions loss{.losses = {{"a", "b", 30}, {"b", "a", 30}}};
  const NetworkConditions delay{.delays = {{"a", Duration(100), Duration(20)}}};
  const NetworkConditions other_delay{.delays = {{"a", Duration(50), Duration(0)}}};
  const NetworkConditions bandwidth{.bandwidths = {{"a", 1000 * 1000}}};
  const NetworkConditions all{.cuts = {Cut{{"a"}, {"b"}}},
                              .losses = {{"b", "c", 10}},
                              .delays = {{"a", Duration(100), Duration(20)}, {"c", Duration(10), Duration(5)}},
                              .bandwidths = {{"b", 1000 * 1000}}};
  const auto set = [&](const NetworkConditions& conditions) { return [&env, &conditions] { env.set_network(conditions); }; };
  const auto nothing = [] {};

  measure("partition a | b c, both ways (from healed)", repetitions, set(healed), set(cut));
  measure("heal (from the partition)", repetitions, set(cut), set(healed));
  measure("30 % loss a <-> b (from healed)", repetitions, set(healed), set(loss));
  // The first delay of a service's run starts its queue reader and adds its iptables-nft rule.
  measure("first delay of a run, 100 +- 20 ms (a restarted each time)", std::min(repetitions, 5),
          [&] {
            env.set_network(healed);
            env.kill("a");
            env.start("a");
          },
          set(delay));
  measure("delay again (from healed)", repetitions, set(healed), set(delay));
  measure("delay changed, 100 +- 20 ms -> 50 ms", repetitions, set(delay), set(other_delay));
  measure("delay removed", repetitions, set(delay), set(healed));
  measure("bandwidth 1 Mbit/s (from healed)", repetitions, set(healed), set(bandwidth));
  measure("bandwidth removed", repetitions, set(bandwidth), set(healed));
  measure("cut, loss, two delays and a bandwidth at once (from healed)", repetitions, set(healed), set(all));
  measure("the same again (nothing changes)", repetitions, nothing, set(all));
  measure("all of it healed", repetitions, set(all), set(healed));
  env.down(Duration(0));
  return 0;
}
