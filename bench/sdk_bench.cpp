// The cost of an assertion evaluation on the hot path: after the assertion has written its first
// pass and its first fail, an evaluation only counts (goal: well under 100 ns; docs/performance.md).
// And the cost of what writes a line every time: an event, a history's operation.
#include <benchmark/benchmark.h>
#include <faultline/faultline.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

// Output enabled (to a scratch file), both outcomes already written once.
void BM_AssertHotPath(benchmark::State& state) {
  FAULTLINE_ALWAYS(false, "bench: warm-up fail");
  int i = 0;
  for (auto _ : state) {
    FAULTLINE_ALWAYS(++i != 0, "bench: hot path", {{"i", i}});
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_AssertHotPath);
BENCHMARK(BM_AssertHotPath)->Threads(2);

void BM_SometimesHotPath(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    FAULTLINE_SOMETIMES((++i & 1) == 0, "bench: sometimes hot path");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SometimesHotPath);

void BM_NumericHotPath(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    FAULTLINE_ALWAYS_GREATER_THAN_OR_EQUAL_TO(++i, int64_t{0}, "bench: numeric hot path");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_NumericHotPath);

// A line written every time: an event (the cost of any assertion's first pass or fail).
void BM_SendEvent(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) faultline::send_event("bench: event", {{"i", ++i}});
}
BENCHMARK(BM_SendEvent);

// One recorded operation of a history: its invocation and its completion, two lines.
void BM_HistoryOperation(benchmark::State& state) {
  faultline::history::Client client;
  int i = 0;
  for (auto _ : state) {
    auto op = client.invoke("put", "key-" + std::to_string(++i % 16), "value");
    op.ok();
  }
}
BENCHMARK(BM_HistoryOperation);

void BM_RandomBelow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(faultline::random_below(7));
}
BENCHMARK(BM_RandomBelow);

}  // namespace

int main(int argc, char** argv) {
  // Every process of the benchmark writes to one scratch file, removed at the end.
  std::string path = "/tmp/faultline-bench-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd >= 0) close(fd);
  setenv("ANTITHESIS_SDK_LOCAL_OUTPUT", path.c_str(), 1);
  // Histories go to the output folder's history.jsonl.
  std::string dir = "/tmp/faultline-bench-dir-XXXXXX";
  if (mkdtemp(dir.data()) != nullptr) setenv("ANTITHESIS_OUTPUT_DIR", dir.c_str(), 1);
  setenv("FAULTLINE_SEED", "1", 1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  unlink(path.c_str());
  unlink((dir + "/history.jsonl").c_str());
  rmdir(dir.c_str());
  return 0;
}
