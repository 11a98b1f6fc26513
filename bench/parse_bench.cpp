// The history parsers alone, on text already in memory, in bytes per second: Jepsen EDN (the kv
// reference histories), jepsen.util log lines (the etcd reference histories) and faultline's JSON
// lines (the kv histories as the SDK would have written them). The format is told by content, as
// `faultline check` does by default.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check/parse.h"

namespace {

using namespace faultline::check;
namespace fs = std::filesystem;
const fs::path kData = SHARED_HISTORIES;
const char* const kKvFiles[] = {"c01-ok.txt", "c01-bad.txt", "c10-ok.txt", "c10-bad.txt", "c50-ok.txt", "c50-bad.txt"};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> kv_histories() {
  std::vector<std::string> texts;
  for (const char* name : kKvFiles) texts.push_back(read_file(kData / "porcupine-kv" / name));
  return texts;
}

std::vector<std::string> etcd_histories() {
  std::vector<std::string> texts;
  for (int n = 0; n <= 102; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "etcd_%03d.log", n);
    texts.push_back(read_file(kData / "porcupine-jepsen-etcd" / name));
  }
  return texts;
}

nlohmann::json as_json(const Value& value) {
  if (value.is_nil()) return nullptr;
  if (const auto* i = std::get_if<int64_t>(&value.v)) return *i;
  if (const auto* s = std::get_if<std::string>(&value.v)) return *s;
  nlohmann::json items = nlohmann::json::array();
  for (const Value& item : std::get<std::vector<Value>>(value.v)) items.push_back(as_json(item));
  return items;
}

// A history's lines in the shape, member order and time stamps (monotonic nanoseconds) of the
// SDK's (src/sdk/history.cpp).
std::string as_faultline_lines(const History& history) {
  static const char* const kTypes[] = {"invoke", "ok", "fail", "info"};
  std::string text;
  int64_t time = 5'000'000'000'000;
  for (const HistoryEvent& e : history) {
    text += "{\"faultline_history\":{\"process\":" + std::to_string(e.process) + ",\"type\":\"" +
            kTypes[static_cast<int>(e.type)] + "\",\"f\":" + nlohmann::json(e.f).dump() +
            ",\"time\":" + std::to_string(time += 37'123);
    if (e.key) text += ",\"key\":" + nlohmann::json(*e.key).dump();
    if (!e.value.is_nil()) text += ",\"value\":" + as_json(e.value).dump();
    text += "}}\n";
  }
  return text;
}

std::vector<std::string> kv_histories_as_faultline_lines() {
  std::vector<std::string> texts;
  for (const std::string& edn : kv_histories()) texts.push_back(as_faultline_lines(parse_history(edn, Format::edn, "kv")));
  return texts;
}

void BM_Parse(benchmark::State& state, std::vector<std::string> (*histories)()) {
  const std::vector<std::string> texts = histories();
  int64_t bytes = 0;
  for (const std::string& text : texts) bytes += static_cast<int64_t>(text.size());
  size_t events = 0;
  for (auto _ : state) {
    events = 0;
    for (const std::string& text : texts) events += parse_history(text, Format::automatic, "bench").size();
    benchmark::DoNotOptimize(events);
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK_CAPTURE(BM_Parse, edn_kv, kv_histories)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Parse, jepsen_log_etcd, etcd_histories)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Parse, faultline_kv, kv_histories_as_faultline_lines)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
