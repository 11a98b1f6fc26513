// The linearizability checker on the reference histories (the figures Porcupine is compared with
// in docs/performance.md), and on generated histories of 10^3 to 10^6 operations over many keys
// and clients with indeterminate operations.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "check/linearizability.h"
#include "check/parse.h"

namespace {

using namespace faultline::check;
namespace fs = std::filesystem;
const fs::path kData = SHARED_HISTORIES;

std::vector<Operation> load(const fs::path& path) { return pair_operations(load_history(path, Format::automatic)); }

CheckOptions options(bool partition) {
  CheckOptions o;
  o.partition = partition;
  o.minimize = false;  // Porcupine reports no minimal set: compare like with like
  o.timeout = std::chrono::milliseconds(600000);
  return o;
}

void BM_EtcdAll102(benchmark::State& state) {
  std::vector<std::vector<Operation>> files;
  for (int n = 0; n <= 102; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "etcd_%03d.log", n);
    files.push_back(load(kData / "porcupine-jepsen-etcd" / name));
  }
  const auto model = make_model("cas-register");
  uint64_t states = 0;
  for (auto _ : state) {
    states = 0;
    for (const auto& ops : files) states += check_linearizability(ops, *model, options(true)).states_explored;
  }
  state.counters["states"] = static_cast<double>(states);
}
BENCHMARK(BM_EtcdAll102)->Unit(benchmark::kMillisecond);

void BM_Kv(benchmark::State& state, const char* file, bool partition, unsigned threads = 0) {
  const auto ops = load(kData / "porcupine-kv" / file);
  const auto model = make_model("kv");
  CheckOptions o = options(partition);
  o.threads = threads;
  CheckResult result;
  for (auto _ : state) result = check_linearizability(ops, *model, o);
  state.counters["states"] = static_cast<double>(result.states_explored);
}
BENCHMARK_CAPTURE(BM_Kv, c50_ok_partitioned, "c50-ok.txt", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Kv, c50_bad_partitioned, "c50-bad.txt", true)->Unit(benchmark::kMillisecond);
// One thread: the partitions take turns, so the illegal one that is quick to refute is found
// before the one that is slow to refute has finished.
BENCHMARK_CAPTURE(BM_Kv, c50_bad_partitioned_one_thread, "c50-bad.txt", true, 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Kv, c10_ok_unpartitioned, "c10-ok.txt", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Kv, c10_bad_unpartitioned, "c10-bad.txt", false)->Unit(benchmark::kMillisecond);

// A linearizable kv history of `n` operations: 1000 keys, 64 clients, each operation applied to
// a real store at a random point between its call and return; 2% of them end unknown.
std::vector<Operation> generated(size_t n) {
  std::mt19937_64 rng(42);
  const int clients = 64, keys = 1000;
  std::vector<std::string> store(keys);
  History history;
  struct Pending {
    HistoryEvent invoke;
    bool applied = false;
    std::string result;
  };
  std::vector<std::optional<Pending>> open(clients);
  size_t started = 0;
  int line = 0;
  while (started < n || std::any_of(open.begin(), open.end(), [](const auto& p) { return p.has_value(); })) {
    const int c = static_cast<int>(rng() % clients);
    auto& slot = open[c];
    if (!slot) {
      if (started >= n) continue;
      Pending p;
      p.invoke.process = c;
      p.invoke.line = ++line;
      p.invoke.key = std::to_string(rng() % keys);
      const int kind = static_cast<int>(rng() % 3);
      p.invoke.f = kind == 0 ? "get" : kind == 1 ? "put" : "append";
      if (kind != 0) p.invoke.value.v = "v" + std::to_string(started) + ";";
      history.push_back(p.invoke);
      slot = p;
      ++started;
    } else if (!slot->applied) {  // the moment it takes effect
      std::string& value = store[std::stoul(*slot->invoke.key)];
      if (slot->invoke.f == "get") slot->result = value;
      if (slot->invoke.f == "put") value = std::get<std::string>(slot->invoke.value.v);
      if (slot->invoke.f == "append") value += std::get<std::string>(slot->invoke.value.v);
      slot->applied = true;
    } else {
      HistoryEvent done = slot->invoke;
      done.line = ++line;
      done.type = rng() % 50 == 0 ? HistoryEvent::Type::info : HistoryEvent::Type::ok;
      if (done.f == "get") done.value.v = slot->result;
      history.push_back(done);
      slot.reset();
    }
  }
  return pair_operations(history);
}

void BM_Generated(benchmark::State& state) {
  const auto ops = generated(static_cast<size_t>(state.range(0)));
  const auto model = make_model("kv");
  Verdict verdict = Verdict::unknown;
  for (auto _ : state) verdict = check_linearizability(ops, *model, options(true)).verdict;
  state.counters["linearizable"] = verdict == Verdict::linearizable;
}
BENCHMARK(BM_Generated)->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
