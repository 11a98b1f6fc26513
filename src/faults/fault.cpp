#include "fault.h"

#include <fmt/core.h>

#include <stdexcept>

namespace faultline::faults {
namespace {

std::string join(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

double ms(Duration d) { return static_cast<double>(d.count()); }

}  // namespace

const char* to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::partition: return "partition";
    case FaultKind::clog: return "clog";
    case FaultKind::loss: return "loss";
    case FaultKind::latency: return "latency";
    case FaultKind::bandwidth: return "bandwidth";
    case FaultKind::pause: return "pause";
    case FaultKind::kill: return "kill";
    case FaultKind::stop: return "stop";
    case FaultKind::clock: return "clock";
    case FaultKind::custom: return "custom";
  }
  return "";
}

const char* type_of(FaultKind kind) {
  switch (kind) {
    case FaultKind::partition:
    case FaultKind::clog:
    case FaultKind::loss:
    case FaultKind::latency:
    case FaultKind::bandwidth: return "network";
    case FaultKind::clock: return "clock";
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::stop:
    case FaultKind::custom: return "node";
  }
  return "";
}

const std::vector<FaultKind>& all_fault_kinds() {
  static const std::vector<FaultKind> kinds = {FaultKind::partition, FaultKind::clog,  FaultKind::loss,
                                               FaultKind::latency,   FaultKind::bandwidth, FaultKind::pause,
                                               FaultKind::kill,      FaultKind::stop,  FaultKind::clock,
                                               FaultKind::custom};
  return kinds;
}

std::optional<FaultKind> fault_kind(const std::string& name) {
  for (FaultKind kind : all_fault_kinds()) {
    if (name == to_string(kind)) return kind;
  }
  return std::nullopt;
}

const char* to_string(PartitionShape shape) {
  switch (shape) {
    case PartitionShape::halves: return "halves";
    case PartitionShape::isolated: return "isolated";
    case PartitionShape::majority_minority: return "majority-minority";
    case PartitionShape::bridge: return "bridge";
    case PartitionShape::ring: return "ring";
  }
  return "";
}

nlohmann::json Fault::details() const {
  nlohmann::json d = nlohmann::json::object();
  switch (kind) {
    case FaultKind::partition:
      d["shape"] = to_string(shape);
      d["partitions"] = groups;
      if (!bridge.empty()) d["bridge"] = bridge;
      d["asymmetric"] = one_way;
      break;
    case FaultKind::clog: d["asymmetric"] = one_way; break;
    case FaultKind::loss:
      d["drop_rate"] = percent / 100.0;
      if (nodes.size() == 2) d["between"] = nodes;
      break;
    case FaultKind::latency:
      d["latency_mean_ms"] = ms(latency);
      d["latency_deviation_ms"] = ms(jitter);
      break;
    case FaultKind::bandwidth: d["bits_per_second"] = bits_per_second; break;
    case FaultKind::clock: d["clock_offset_ms"] = ms(clock_offset); break;
    case FaultKind::custom:
      d["program"] = program;
      d["custom_name"] = custom_name;
      break;
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::stop: break;
  }
  return d;
}

std::string Fault::describe() const {
  switch (kind) {
    case FaultKind::partition: {
      std::vector<std::string> parts;
      for (const auto& group : groups) parts.push_back(join(group));
      std::string text = fmt::format("partition ({}{}) {}", to_string(shape), one_way ? ", one way" : "", join(parts, " | "));
      if (!bridge.empty()) text += " bridged by " + bridge;
      return text;
    }
    case FaultKind::clog: return fmt::format("clog {}{}", join(nodes), one_way ? " (one way)" : "");
    case FaultKind::loss: return fmt::format("loss {}% {}", percent, join(nodes, " <-> "));
    case FaultKind::latency: return fmt::format("latency {} {} ms +- {} ms", join(nodes), latency.count(), jitter.count());
    case FaultKind::bandwidth: return fmt::format("bandwidth {} {} kbit/s", join(nodes), bits_per_second / 1000);
    case FaultKind::clock: return fmt::format("clock {} {:+} ms", join(nodes), clock_offset.count());
    case FaultKind::custom: return fmt::format("custom {} in {}", custom_name, join(nodes));
    case FaultKind::pause:
    case FaultKind::kill:
    case FaultKind::stop: return fmt::format("{} {}", to_string(kind), join(nodes));
  }
  return "";
}

nlohmann::json to_json(const Fault& f) {
  return {{"kind", to_string(f.kind)},          {"nodes", f.nodes},
          {"duration_ms", f.duration.count()},   {"shape", to_string(f.shape)},
          {"groups", f.groups},                  {"bridge", f.bridge},
          {"one_way", f.one_way},                {"percent", f.percent},
          {"latency_ms", f.latency.count()},     {"jitter_ms", f.jitter.count()},
          {"bits_per_second", f.bits_per_second}, {"clock_offset_ms", f.clock_offset.count()},
          {"program", f.program},                {"custom_name", f.custom_name}};
}

Fault fault_from_json(const nlohmann::json& j) {
  Fault f;
  const std::optional<FaultKind> kind = fault_kind(j.value("kind", ""));
  if (!kind) throw std::invalid_argument("unknown fault kind \"" + j.value("kind", "") + "\"");
  f.kind = *kind;
  f.nodes = j.value("nodes", std::vector<std::string>{});
  f.duration = Duration(j.value("duration_ms", int64_t{0}));
  const std::string shape = j.value("shape", "halves");
  bool known_shape = false;
  for (PartitionShape s : {PartitionShape::halves, PartitionShape::isolated, PartitionShape::majority_minority,
                           PartitionShape::bridge, PartitionShape::ring}) {
    if (shape == to_string(s)) {
      f.shape = s;
      known_shape = true;
    }
  }
  if (!known_shape) throw std::invalid_argument("unknown partition shape \"" + shape + "\"");
  f.groups = j.value("groups", std::vector<std::vector<std::string>>{});
  f.bridge = j.value("bridge", "");
  f.one_way = j.value("one_way", false);
  f.percent = j.value("percent", 0);
  f.latency = Duration(j.value("latency_ms", int64_t{0}));
  f.jitter = Duration(j.value("jitter_ms", int64_t{0}));
  f.bits_per_second = j.value("bits_per_second", uint64_t{0});
  f.clock_offset = Duration(j.value("clock_offset_ms", int64_t{0}));
  f.program = j.value("program", "");
  f.custom_name = j.value("custom_name", "");
  return f;
}

}  // namespace faultline::faults
